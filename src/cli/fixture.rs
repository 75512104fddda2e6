//! Fixture files: one webhook body each, named `<name>.<provider>.<ext>`
//! (`01-inquiry.mailgun.form`, `task-approved.supabase.json`), in the
//! provider's real wire format. `replay` and `sign` make them valid now.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::Utc;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::ingest::Provider;
use crate::signature::{basic, mailgun};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Supabase,
    Email(Provider),
}

#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub target: Target,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A request ready to post.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Fixture {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let name = path.file_name().and_then(|n| n.to_str()).context("fixture path has no file name")?.to_string();
        let parts: Vec<&str> = name.split('.').collect();
        let [.., provider, ext] = parts.as_slice() else {
            bail!("{name}: fixture names look like <name>.<provider>.<ext>, e.g. inquiry.mailgun.form");
        };
        let target = match *provider {
            "supabase" => Target::Supabase,
            p => Target::Email(Provider::parse(p).with_context(|| format!("{name}: unknown provider `{p}`"))?),
        };
        let body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let content_type = match *ext {
            "json" => "application/json".to_string(),
            "form" => "application/x-www-form-urlencoded".to_string(),
            // A multipart fixture starts with its first boundary line.
            "multipart" => {
                let first = body.split(|b| *b == b'\n').next().unwrap_or_default();
                let line = String::from_utf8_lossy(first);
                let boundary = line.trim().strip_prefix("--").unwrap_or_default().to_string();
                if boundary.is_empty() {
                    bail!("{name}: a .multipart fixture starts with its --boundary line");
                }
                format!("multipart/form-data; boundary={boundary}")
            }
            e => bail!("{name}: unknown extension `.{e}` (json, form, multipart)"),
        };
        Ok(Self { name, target, content_type, body })
    }

    pub fn path(&self) -> String {
        match self.target {
            Target::Supabase => "/webhooks/supabase".into(),
            Target::Email(p) => format!("/webhooks/email/{}", p.name()),
        }
    }

    /// Signs the fixture with the first configured secret of its sender.
    pub fn sign(&self, config: &Config) -> anyhow::Result<SignedRequest> {
        let now = Utc::now().timestamp();
        let mut headers = vec![("content-type".to_string(), self.content_type.clone())];
        let body = match self.target {
            Target::Supabase | Target::Email(Provider::Generic) | Target::Email(Provider::Resend) => {
                let (keys, prefix) = match self.target {
                    Target::Supabase => (&config.secrets.supabase, "webhook"),
                    Target::Email(Provider::Resend) => (&config.secrets.resend, "svix"),
                    _ => (&config.secrets.email, "webhook"),
                };
                let key = keys.first().with_context(|| match self.target {
                    Target::Supabase => "no signing secret configured: set OE_SUPABASE_WEBHOOK_SECRET".to_string(),
                    Target::Email(p) => {
                        format!("{} is not configured: set {}", p.name(), crate::config::provider_variables(p))
                    }
                })?;
                // The same body gets the same id, so replaying a fixture
                // twice shows the duplicate handling.
                let id = format!("msg_{}", &hex::encode(Sha256::digest(&self.body))[..24]);
                headers.push((format!("{prefix}-signature"), key.sign(&id, now, &self.body)));
                headers.push((format!("{prefix}-id"), id));
                headers.push((format!("{prefix}-timestamp"), now.to_string()));
                self.body.clone()
            }
            Target::Email(p @ (Provider::Postmark | Provider::Sendgrid)) => {
                let creds = if p == Provider::Postmark { &config.secrets.postmark } else { &config.secrets.sendgrid };
                let creds = creds.as_ref().with_context(|| {
                    format!("{} is not configured: set {}", p.name(), crate::config::provider_variables(p))
                })?;
                headers.push(("authorization".into(), basic::header(&creds.user, creds.password.expose_secret())));
                self.body.clone()
            }
            Target::Email(Provider::Mailgun) => {
                let token = hex::encode(uuid::Uuid::new_v4().as_bytes());
                let key =
                    config.secrets.mailgun.as_ref().context("mailgun is not configured: set OE_MAILGUN_SIGNING_KEY")?;
                let key = key.expose_secret();
                let ts = now.to_string();
                let sig = mailgun::sign(key.as_bytes(), &ts, &token);
                let fresh = [("timestamp", ts), ("token", token), ("signature", sig)];
                if self.content_type.starts_with("multipart/") {
                    resign_multipart(&self.body, &fresh)
                        .with_context(|| format!("{}: no signature parts", self.name))?
                } else {
                    resign_urlencoded(&self.body, &fresh)
                }
            }
        };
        Ok(SignedRequest { path: self.path(), headers, body })
    }
}

/// Replaces the values of a multipart form's signature parts (the fixture
/// carries stale ones) and keeps every other byte.
fn resign_multipart(body: &[u8], fresh: &[(&str, String); 3]) -> Option<Vec<u8>> {
    let mut out = body.to_vec();
    for (name, value) in fresh {
        let pattern =
            regex::bytes::Regex::new(&format!(r#"(name="{name}"\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]*"#)).ok()?;
        let found = pattern.captures(&out)?;
        let (whole, head) = (found.get(0)?.range(), found.get(1)?.as_bytes().to_vec());
        out.splice(whole, head.into_iter().chain(value.bytes()));
    }
    Some(out)
}

/// Drops a urlencoded form's signature pairs and appends fresh ones; every
/// other pair keeps its bytes as written (a `body-mime` in windows-1252 is
/// not text to decode and encode again).
fn resign_urlencoded(body: &[u8], fresh: &[(&str, String); 3]) -> Vec<u8> {
    let is_signature = |pair: &[u8]| {
        let key = pair.split(|&b| b == b'=').next().unwrap_or_default();
        fresh.iter().any(|(name, _)| key == name.as_bytes())
    };
    let mut out: Vec<u8> = Vec::with_capacity(body.len() + 128);
    let kept = body.split(|&b| b == b'&').filter(|pair| !pair.is_empty() && !is_signature(pair));
    let added: Vec<Vec<u8>> =
        fresh.iter().map(|(k, v)| serde_urlencoded::to_string([(k, v)]).unwrap_or_default().into_bytes()).collect();
    for pair in kept.chain(added.iter().map(Vec::as_slice)) {
        if !out.is_empty() {
            out.push(b'&');
        }
        out.extend_from_slice(pair);
    }
    out
}

/// Files to play: each file as given, a directory's fixtures in name order.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            bail!("{}: no such file or folder", p.display());
        }
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && is_fixture(f))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// `<name>.<provider>.<ext>`: a README.md or an expect.json is not one.
fn is_fixture(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    !name.starts_with('.')
        && name.split('.').count() >= 3
        && [".json", ".form", ".multipart"].iter().any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_a_form_keeps_every_byte_but_the_signature() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mailgun/inquiry-cp1252.mailgun.form"));
        let fixture = Fixture::load(path).unwrap();
        let signed = fixture.sign(&Config::embedded_dev("./data".into())).unwrap();
        let unsigned = |body: &[u8]| -> Vec<Vec<u8>> {
            body.split(|&b| b == b'&')
                .filter(|p| !["timestamp=", "token=", "signature="].iter().any(|s| p.starts_with(s.as_bytes())))
                .map(<[u8]>::to_vec)
                .collect()
        };
        assert_eq!(unsigned(&signed.body), unsigned(&fixture.body));
        let text = String::from_utf8(signed.body.clone()).unwrap();
        assert!(text.contains("Br%FCnner") && !text.contains("%EF%BF%BD"), "windows-1252 bytes kept: {text}");
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&signed.body).unwrap();
        let get = |k: &str| fields.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
        let (ts, token, sig) = (get("timestamp"), get("token"), get("signature"));
        assert_eq!((ts.len(), token.len(), sig.len()), (1, 1, 1), "one of each signature field");
        assert_eq!(sig[0], mailgun::sign(dev_key(), ts[0], token[0]));
    }

    fn dev_key() -> &'static [u8] {
        crate::config::dev::MAILGUN_SIGNING_KEY.as_bytes()
    }
}
