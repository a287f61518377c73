//! `zoning user add | list | revoke | rotate | password | audit`: accounts,
//! their tokens and passwords, and the audit log (docs/security.md).

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use zoning_core::store::{IssuedToken, NewAuditEntry, Role, Store, StoreError};
use zoning_server::Config;

use crate::output::{emit, json as to_json, Align, Format, Table};

/// The shortest password accepted, in characters.
const MIN_PASSWORD_CHARS: usize = 10;

/// `zoning user …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a user; prints its API token once.
    Add(AddArgs),
    /// List the users: role, live tokens, latest expiry, password, disabled.
    List(ListArgs),
    /// Revoke every token of a user (API and sessions) and disable it.
    Revoke(NameArgs),
    /// Revoke a user's API tokens and print a new one, once.
    Rotate(RotateArgs),
    /// Set a user's password for signing in (POST /login), read as one line
    /// from standard input.
    Password(NameArgs),
    /// The latest events of the audit log, newest first.
    Audit(AuditArgs),
}

/// Arguments of `zoning user add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The database (created and loaded with the shipped data when missing).
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// The user's name, recorded with every change.
    #[arg(long)]
    name: String,
    /// planner, surveyor or admin.
    #[arg(long)]
    role: String,
    #[command(flatten)]
    lifetime: Lifetime,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// How long a new API token lives.
#[derive(Debug, clap::Args)]
pub struct Lifetime {
    /// Days until the token expires (default: `token_ttl_days` of the
    /// configuration, 90).
    #[arg(long)]
    expires_days: Option<u64>,
    /// A TOML configuration file for the default lifetime.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Arguments of `zoning user rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The database.
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// The user.
    #[arg(long)]
    name: String,
    #[command(flatten)]
    lifetime: Lifetime,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Arguments naming one user.
#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// The database.
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// The user.
    #[arg(long)]
    name: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Arguments of `zoning user list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The database.
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Arguments of `zoning user audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The database.
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// How many events, newest first.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Runs `zoning user …`.
pub fn run(cmd: &Command) -> anyhow::Result<()> {
    match cmd {
        Command::Add(a) => add(a),
        Command::List(a) => list(a),
        Command::Revoke(a) => revoke(a),
        Command::Rotate(a) => rotate(a),
        Command::Password(a) => password(a),
        Command::Audit(a) => audit(a),
    }
}

fn no_csv(format: Format, what: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        format != Format::Csv,
        "zoning user {what} has no CSV format; use --format table or json"
    );
    Ok(())
}

/// An existing database (these commands never create one).
fn existing(db: &Path) -> anyhow::Result<Arc<dyn Store>> {
    super::registry::existing(db)
}

impl Lifetime {
    /// `--expires-days`, else the configuration's `token_ttl_days`.
    fn ttl(&self) -> anyhow::Result<Duration> {
        token_ttl(self.expires_days, self.config.as_deref())
    }
}

/// The lifetime of a new API token: `--expires-days`, else the configuration's.
fn token_ttl(days: Option<u64>, config: Option<&Path>) -> anyhow::Result<Duration> {
    let config = match config {
        Some(p) => Config::from_file(p).map_err(anyhow::Error::msg)?,
        None => Config::default(),
    };
    let days = days.unwrap_or(config.token_ttl_days);
    anyhow::ensure!(
        (1..=3650).contains(&days),
        "--expires-days {days}: give 1 to 3650 days"
    );
    Ok(Duration::from_secs(days * 86_400))
}

/// Records what an administrator did from the command line.
fn record(store: &dyn Store, action: &str, name: &str, detail: &str) -> anyhow::Result<()> {
    store.audit(&NewAuditEntry {
        actor: None,
        action: action.into(),
        target: Some(name.into()),
        outcome: "success".into(),
        detail: Some(format!("{detail} (command line)")),
        remote: None,
    })?;
    Ok(())
}

fn name_of(name: &str) -> anyhow::Result<&str> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "--name must not be empty");
    Ok(name)
}

/// The user-facing form of a store error about a user.
fn user_error(name: &str, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound(_) => anyhow::anyhow!("no user named {name}; see `zoning user list`"),
        StoreError::Conflict { .. } => anyhow::anyhow!("a user named {name} exists already"),
        StoreError::Refused(r) => {
            anyhow::anyhow!("{r}; a revoked user cannot get a new token: add them under a new name")
        }
        e @ (StoreError::Backend(_) | StoreError::Unavailable(_)) => e.into(),
    }
}

/// Prints a new token: on a line of its own (the explanation on standard
/// error), or as JSON.
fn show_token(t: &IssuedToken, format: Format, what: &str) -> anyhow::Result<()> {
    if format == Format::Json {
        return emit(&to_json(&json!({
            "name": t.user.name,
            "role": t.user.role,
            "token": t.token,
            "expires_at": t.expires_at,
        }))?);
    }
    eprintln!(
        "zoning: {what} {} ({}); the token expires {}. Keep it, it is shown only once:",
        t.user.name,
        t.user.role.as_str(),
        t.expires_at.as_deref().unwrap_or("never")
    );
    emit(&format!("{}\n", t.token))
}

fn add(a: &AddArgs) -> anyhow::Result<()> {
    no_csv(a.format, "add")?;
    let role = Role::parse(&a.role)
        .ok_or_else(|| anyhow::anyhow!("--role {}: use planner, surveyor or admin", a.role))?;
    let name = name_of(&a.name)?;
    let ttl = a.lifetime.ttl()?;
    let store = super::registry::open(&a.db, true)?;
    let t = store
        .add_user_expiring(name, role, Some(ttl))
        .map_err(|e| user_error(name, e))?;
    record(
        &*store,
        "user.add",
        name,
        &format!(
            "role {}, API token until {}",
            role.as_str(),
            t.expires_at.as_deref().unwrap_or("-")
        ),
    )?;
    show_token(&t, a.format, "added")
}

fn rotate(a: &RotateArgs) -> anyhow::Result<()> {
    no_csv(a.format, "rotate")?;
    let name = name_of(&a.name)?;
    let ttl = a.lifetime.ttl()?;
    let store = existing(&a.db)?;
    let t = store
        .rotate_token(name, Some(ttl))
        .map_err(|e| user_error(name, e))?;
    record(
        &*store,
        "user.rotate",
        name,
        &format!(
            "API tokens revoked, a new one until {}",
            t.expires_at.as_deref().unwrap_or("-")
        ),
    )?;
    show_token(&t, a.format, "new token for")
}

fn revoke(a: &NameArgs) -> anyhow::Result<()> {
    no_csv(a.format, "revoke")?;
    let name = name_of(&a.name)?;
    let store = existing(&a.db)?;
    let n = store.revoke_user(name).map_err(|e| user_error(name, e))?;
    record(
        &*store,
        "user.revoke",
        name,
        &format!("{n} live token(s) revoked, the user disabled"),
    )?;
    match a.format {
        Format::Json => emit(&to_json(
            &json!({"name": name, "revoked_tokens": n, "disabled": true}),
        )?),
        _ => emit(&format!(
            "revoked {n} live token(s) of {name}; {name} is disabled and can no longer sign in\n"
        )),
    }
}

/// Reads the password: one line of standard input, without its line end.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "zoning: type the password and press Enter (it shows as you type; pipe it in to avoid that):"
        );
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    let n = password.chars().count();
    anyhow::ensure!(
        n >= MIN_PASSWORD_CHARS,
        "the password has {n} characters; give at least {MIN_PASSWORD_CHARS}"
    );
    Ok(password)
}

fn password(a: &NameArgs) -> anyhow::Result<()> {
    no_csv(a.format, "password")?;
    let name = name_of(&a.name)?;
    let store = existing(&a.db)?;
    // the user first, so that nobody types a password for a mistyped name
    anyhow::ensure!(
        store.users()?.iter().any(|u| u.name == name),
        "no user named {name}; see `zoning user list`"
    );
    let password = read_password()?;
    let phc = zoning_server::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    store
        .set_password(name, &phc)
        .map_err(|e| user_error(name, e))?;
    record(&*store, "user.password", name, "password set (Argon2id)")?;
    if a.format == Format::Json {
        return emit(&to_json(&json!({"name": name, "password": "set"}))?);
    }
    eprintln!("zoning: the password of {name} is set; sign in with POST /login");
    Ok(())
}

fn list(a: &ListArgs) -> anyhow::Result<()> {
    no_csv(a.format, "list")?;
    let store = existing(&a.db)?;
    let users = store.users()?;
    if a.format == Format::Json {
        return emit(&to_json(&json!({ "users": users }))?);
    }
    let mut t = Table::new(&[
        ("name", Align::Left),
        ("role", Align::Left),
        ("created", Align::Left),
        ("live tokens", Align::Right),
        ("expires", Align::Left),
        ("password", Align::Left),
        ("disabled", Align::Left),
    ]);
    for u in &users {
        let expires = if u.never_expires {
            "never".to_owned()
        } else {
            u.latest_expiry.clone().unwrap_or_else(|| "-".into())
        };
        t.row(vec![
            u.name.clone(),
            u.role.as_str().into(),
            u.created_at.clone(),
            u.live_tokens.to_string(),
            expires,
            if u.has_password { "yes" } else { "no" }.into(),
            u.disabled_at.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    emit(&t.render())
}

fn audit(a: &AuditArgs) -> anyhow::Result<()> {
    no_csv(a.format, "audit")?;
    let store = existing(&a.db)?;
    let events = store.audit_log(a.limit)?;
    if a.format == Format::Json {
        return emit(&to_json(&json!({ "events": events }))?);
    }
    let mut t = Table::new(&[
        ("at", Align::Left),
        ("actor", Align::Left),
        ("action", Align::Left),
        ("target", Align::Left),
        ("outcome", Align::Left),
        ("remote", Align::Left),
        ("detail", Align::Left),
    ]);
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for e in &events {
        t.row(vec![
            e.at.clone(),
            dash(&e.entry.actor),
            e.entry.action.clone(),
            dash(&e.entry.target),
            e.entry.outcome.clone(),
            dash(&e.entry.remote),
            dash(&e.entry.detail),
        ]);
    }
    emit(&t.render())
}
