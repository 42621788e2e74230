//! placeholder
pub async fn run_cli(
    _config: &std::path::Path,
    _update: bool,
    _dry_run: bool,
    _seed_demo: bool,
    _db: Option<String>,
) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("not yet")
}
