#!/usr/bin/env bash
# Headless Chromium and its WebDriver for the operator page's browser test
# (tests/api/admin_page.rs): Debian's `chromium` and `chromium-driver`.
# Installs them when missing; fails loudly when they cannot be had.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
    sudo="sudo"
fi
if ! { $sudo apt-get install -y chromium chromium-driver >/dev/null 2>&1 \
    || { $sudo apt-get update >/dev/null 2>&1 && $sudo apt-get install -y chromium chromium-driver >/dev/null; }; }; then
    echo "error: cannot install chromium and chromium-driver (apt-get install -y chromium chromium-driver);" \
         "the operator page's browser test needs them" >&2
    exit 1
fi
command -v chromedriver >/dev/null 2>&1 || { echo "error: chromedriver missing after install" >&2; exit 1; }
