fn main() -> std::process::ExitCode {
    oe_webhooks::cli::main()
}
