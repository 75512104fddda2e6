use std::path::Path;
use std::process::ExitCode;

use super::fixture::Fixture;
use crate::config::Config;

/// Prints the headers that make the fixture valid for the next five
/// minutes and a curl line; a Mailgun form is signed inside its body, so
/// the signed body is written next to a temporary path.
pub(super) fn run(config: &Config, file: &Path) -> anyhow::Result<ExitCode> {
    let fixture = Fixture::load(file)?;
    let req = fixture.sign(config)?;
    let body_path = if req.body == fixture.body {
        file.to_path_buf()
    } else {
        let path = std::env::temp_dir().join(format!("signed-{}", fixture.name));
        std::fs::write(&path, &req.body)?;
        path
    };
    for (k, v) in &req.headers {
        println!("{k}: {v}");
    }
    let headers: String = req.headers.iter().map(|(k, v)| format!(" -H '{k}: {v}'")).collect();
    println!("\ncurl -sS -X POST 'http://{}{}'{headers} --data-binary @{}", config.bind, req.path, body_path.display());
    Ok(ExitCode::SUCCESS)
}
