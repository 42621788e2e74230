//! Accounts made outside a sign-up (the CLI, bootstrap's demo people, the demo
//! generator and the benchmarks): the same command a sign-up sends, with the
//! e-mail and name sealed.

use tessera_aggregates::user::{User, UserCommand};

use crate::bus::CommandBus;
use crate::ids::user_id;
use crate::meta::CommandMeta;
use crate::personal::PersonalData;

/// Registers a user (or finds an existing one) and sets the admin flag.
pub async fn create_user_with(
    bus: &CommandBus,
    personal: &PersonalData,
    email: &str,
    password: &str,
    name: &str,
    admin: bool,
) -> anyhow::Result<uuid::Uuid> {
    if password.chars().count() < crate::identity::MIN_PASSWORD_LEN {
        anyhow::bail!(
            "the password must have at least {} characters",
            crate::identity::MIN_PASSWORD_LEN
        );
    }
    let id = user_id(email);
    let meta = CommandMeta::system().for_conf(None);
    let exists = bus
        .inspect(&User::stream(id), |u| u.exists())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !exists {
        let hash = crate::identity::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
        let normalized = tessera_aggregates::user::normalize_email(email)
            .ok_or_else(|| anyhow::anyhow!("'{email}' is not an e-mail address"))?;
        let sealed = personal.seal_identity(id, &normalized, name).await?;
        bus.send(
            &User::stream(id),
            UserCommand::Register {
                email: email.to_string(),
                name: name.to_string(),
                password_hash: hash,
                sealed: Some(sealed),
            },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if admin {
        bus.send(&User::stream(id), UserCommand::GrantAdmin, &meta)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(id)
}
