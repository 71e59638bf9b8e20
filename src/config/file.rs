//! The optional TOML file (`--config` / `CONCIERGE_CONFIG`): its values become the clap
//! arguments' defaults, so flags and the environment still win.

use std::path::Path;

use super::ConfigError;

/// Applies the TOML file's values as defaults of `cmd`'s arguments, so that flags and the
/// environment still win and `--help` shows what the file set.
pub fn apply_file_defaults(
    mut cmd: clap::Command,
    path: &Path,
) -> Result<clap::Command, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            "CONCIERGE_CONFIG",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        ConfigError::new(
            "CONCIERGE_CONFIG",
            format!("{} is not valid TOML: {}", path.display(), e.message()),
        )
    })?;
    for (key, value) in table {
        let id = key.replace('-', "_");
        if id == "config_file" || !cmd.get_arguments().any(|a| a.get_id() == id.as_str()) {
            return Err(ConfigError::new(
                "CONCIERGE_CONFIG",
                format!("{} has an unknown setting {key:?}", path.display()),
            ));
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(ConfigError::new(
                    "CONCIERGE_CONFIG",
                    format!(
                        "{}: {key} must be a string, number or boolean",
                        path.display()
                    ),
                ));
            }
        };
        cmd = cmd.mut_arg(id, |a| a.default_value(value));
    }
    Ok(cmd)
}
