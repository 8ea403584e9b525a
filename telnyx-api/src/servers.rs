//! Servers other than the base URL: the spec (or an overlay of `spec/overlays/`) gives some
//! paths their own `servers` entry, with variables (Telnyx Cloud Storage is served from
//! `https://{region}.telnyxcloudstorage.com`). Each such server is a [`ServerSpec`] in the
//! generated `SERVERS` list, and its variables are client configuration:
//! [`ClientBuilder::server_variable`](crate::ClientBuilder::server_variable) or the environment
//! variable `TELNYX_<SERVER>_<VARIABLE>` (`TELNYX_STORAGE_REGION`), and the whole endpoint can be
//! replaced with [`ClientBuilder::server_url`](crate::ClientBuilder::server_url) or
//! `TELNYX_<SERVER>_URL` (a local S3 server in tests, say).

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A server some operations are sent to instead of the base URL.
#[derive(Debug, PartialEq, Eq)]
pub struct ServerSpec {
    /// The configuration name (`storage`): the environment variables are `TELNYX_<NAME>_…`.
    pub name: &'static str,
    /// The URL template of the spec (`https://{region}.telnyxcloudstorage.com`).
    pub url: &'static str,
    /// The variables of the URL template, in the spec's order.
    pub variables: &'static [ServerVariable],
    /// The spec's description of the server.
    pub description: &'static str,
}

/// A variable of a server's URL template.
#[derive(Debug, PartialEq, Eq)]
pub struct ServerVariable {
    /// The name inside `{…}` of the template (`region`).
    pub name: &'static str,
    /// The value used when the client sets none.
    pub default: &'static str,
    /// The values the spec lists (`enum`); empty when any value goes.
    pub values: &'static [&'static str],
    /// The spec's description of the variable.
    pub description: &'static str,
}

/// Every server the spec names, besides the base URL.
pub use crate::generated::servers::*;

/// What a client is configured with for one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServerConfig {
    /// A whole endpoint replacing the template.
    pub(crate) url: Option<String>,
    pub(crate) variables: BTreeMap<String, String>,
}

impl ServerSpec {
    /// The environment variable setting `variable` (`TELNYX_STORAGE_REGION`).
    pub fn env_var(&self, variable: &str) -> String {
        format!("TELNYX_{}_{}", env_part(self.name), env_part(variable))
    }

    /// The environment variable replacing the whole endpoint (`TELNYX_STORAGE_URL`).
    pub fn url_env_var(&self) -> String {
        format!("TELNYX_{}_URL", env_part(self.name))
    }

    /// The endpoint for a configuration: its URL, or the template with its variables (the
    /// configured value, else the default; a value the spec does not list is used as given, as
    /// a new region would be), without a trailing `/`.
    pub(crate) fn base(&self, config: Option<&ServerConfig>) -> String {
        if let Some(url) = config.and_then(|c| c.url.as_deref()) {
            return url.trim().trim_end_matches('/').to_owned();
        }
        let mut out = self.url.to_owned();
        for v in self.variables {
            let value = config.and_then(|c| c.variables.get(v.name)).map_or(v.default, String::as_str);
            out = out.replace(&format!("{{{}}}", v.name), value);
        }
        out.trim_end_matches('/').to_owned()
    }
}

/// `storage-api` → `STORAGE_API`.
fn env_part(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

/// Check one configured endpoint (http or https).
pub(crate) fn check_url(server: &str, url: &str) -> Result<()> {
    let url = url.trim();
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(Error::Config(format!("the {server} server URL must start with http:// or https://, got {url:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static REGION: [ServerVariable; 1] = [ServerVariable {
        name: "region",
        default: "us-central-1",
        values: &["us-central-1", "us-east-1"],
        description: "",
    }];
    static STORAGE: ServerSpec = ServerSpec {
        name: "storage",
        url: "https://{region}.telnyxcloudstorage.com",
        variables: &REGION,
        description: "",
    };

    #[test]
    fn templates_variables_and_overrides() {
        assert_eq!(STORAGE.base(None), "https://us-central-1.telnyxcloudstorage.com");
        let mut c = ServerConfig::default();
        c.variables.insert("region".into(), "eu-west-9".into());
        assert_eq!(STORAGE.base(Some(&c)), "https://eu-west-9.telnyxcloudstorage.com");
        c.url = Some("http://127.0.0.1:5000/".into());
        assert_eq!(STORAGE.base(Some(&c)), "http://127.0.0.1:5000");
        assert!(check_url("storage", "ftp://x").is_err() && check_url("storage", "http://x").is_ok());
        assert_eq!(
            (STORAGE.env_var("region").as_str(), STORAGE.url_env_var().as_str()),
            ("TELNYX_STORAGE_REGION", "TELNYX_STORAGE_URL")
        );
    }
}
