//! `tessera audit export|verify`.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use tessera_replay::Db;

use super::{Exporter, VerifyError, verify};
use crate::ids::conference_id;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Writes a conference's history as hash-chained JSON lines.
    Export {
        #[arg(long)]
        conference: String,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replaces personal fields by stable keyed pseudonyms.
        #[arg(long)]
        pseudonymize: bool,
    },
    /// Recomputes an export's chain; with --against-database, also checks every
    /// exported event is still in the log unchanged. Exits non-zero on the first
    /// fault, naming its position.
    Verify {
        file: PathBuf,
        #[arg(long)]
        against_database: bool,
    },
}

/// Runs the command; `db` opens the database when the command needs it.
pub async fn run<F, Fut>(command: AuditCommand, db: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<Db>>,
{
    match command {
        AuditCommand::Export {
            conference,
            out,
            pseudonymize,
        } => {
            let db = db().await?;
            let id = conference_id(&conference);
            let mut exporter = Exporter::start(db, &conference, id, pseudonymize).await?;
            let mut sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut events = 0usize;
            while let Some(chunk) = exporter.next_chunk().await? {
                events += chunk.lines().count();
                sink.write_all(chunk.as_bytes())?;
            }
            sink.flush()?;
            // Header and trailer are not events.
            if let Some(path) = out {
                eprintln!(
                    "exported {} event(s) of {conference} to {}",
                    events.saturating_sub(2),
                    path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify {
            file,
            against_database,
        } => {
            let input = BufReader::new(
                std::fs::File::open(&file)
                    .with_context(|| format!("opening {}", file.display()))?,
            );
            let db = match against_database {
                true => Some(db().await?),
                false => None,
            };
            match verify(input, db.as_ref()).await {
                Ok(v) => {
                    println!(
                        "verified: {} event(s) of {}, head {}{}",
                        v.count,
                        v.conference,
                        v.head,
                        if against_database {
                            ", each unchanged in the log"
                        } else {
                            ""
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(VerifyError::Broken(b)) => {
                    println!("TAMPERED: {b}");
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
