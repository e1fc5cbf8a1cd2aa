//! `/net/cs`, the connection server (ndb(8)'s cs, built into `#I`): write a
//! dial string `proto!host!service`, read back one line per address to try,
//! `/net/PROTO/clone ADDR!PORT`.
//!
//! Hosts are looked up in the guest's `/etc/hosts` first (the text comes
//! from [`set_hosts_reader`], since the kernel's devices do not walk a name
//! space), then with the host's resolver.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::OnceLock;

use super::conv::{format_ip, Proto};
use crate::error::*;

static HOSTS: OnceLock<fn() -> Option<String>> = OnceLock::new();

/// Gives cs the guest's `/etc/hosts` (read through the guest's name space).
pub fn set_hosts_reader(f: fn() -> Option<String>) {
    let _ = HOSTS.set(f);
}

/// Well-known services by name (a small /lib/ndb/common).
const SERVICES: &[(&str, u16)] = &[
    ("echo", 7),
    ("discard", 9),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("http", 80),
    ("pop3", 110),
    ("ntp", 123),
    ("imap", 143),
    ("https", 443),
    ("9fs", 564),
];

fn port(s: &str) -> Result<u16> {
    if let Ok(n) = s.parse() {
        return Ok(n);
    }
    SERVICES
        .iter()
        .find(|(n, _)| *n == s)
        .map(|&(_, p)| p)
        .ok_or(ENOSERVICE)
}

/// Addresses `name` has in an /etc/hosts text.
fn in_hosts(text: &str, name: &str) -> Vec<IpAddr> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let ip: IpAddr = w.next()?.parse().ok()?;
            w.any(|n| n.eq_ignore_ascii_case(name)).then_some(ip)
        })
        .collect()
}

fn resolve(host: &str, port: u16) -> Result<Vec<IpAddr>> {
    if host == "*" {
        return Ok(vec![IpAddr::from([0, 0, 0, 0])]);
    }
    if let Ok(ip) = host.parse() {
        return Ok(vec![ip]);
    }
    if let Some(text) = HOSTS.get().and_then(|f| f()) {
        let v = in_hosts(&text, host);
        if !v.is_empty() {
            return Ok(v);
        }
    }
    let v: Vec<IpAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|_| ENOHOST)?
        .map(|a| a.ip())
        .collect();
    if v.is_empty() {
        return Err(ENOHOST);
    }
    Ok(v)
}

/// Answers a dial string: `tcp!host!port`, `udp!…`, or `net!…` (tcp).
pub fn query(q: &str) -> Result<Vec<String>> {
    let q = q.trim_end_matches(['\n', '\0']);
    let mut f = q.split('!');
    let (Some(net), Some(host), Some(svc), None) = (f.next(), f.next(), f.next(), f.next()) else {
        return Err(EBADADDR);
    };
    let v4 = match net {
        "tcp" | "net" | "il" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => return Err(ENOSERVICE),
    };
    let p = port(svc)?;
    Ok(resolve(host, p)?
        .into_iter()
        .map(|ip| {
            let proto = match (ip, v4) {
                (IpAddr::V6(_), Proto::Tcp) => Proto::Tcp6,
                (IpAddr::V6(_), _) => Proto::Udp6,
                _ => v4,
            };
            let a = format_ip(&SocketAddr::new(ip, p));
            let a = if host == "*" { format!("*!{p}") } else { a };
            format!("/net/{}/clone {a}", proto.name())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_strings() {
        assert_eq!(
            query("tcp!127.0.0.1!http").unwrap(),
            vec!["/net/tcp/clone 127.0.0.1!80"]
        );
        assert_eq!(query("udp!::1!53").unwrap(), vec!["/net/udp6/clone ::1!53"]);
        assert_eq!(query("tcp!*!564").unwrap(), vec!["/net/tcp/clone *!564"]);
        assert!(query("tcp!127.0.0.1!nosuch").is_err());
        assert!(query("tcp!x").is_err());
        assert!(query("ether!x!1").is_err());
        let h = "127.0.0.1 localhost\n# 10.0.0.1 gone\n::1 ip6-localhost localhost6\n";
        assert_eq!(in_hosts(h, "LOCALHOST"), vec![IpAddr::from([127, 0, 0, 1])]);
        assert!(in_hosts(h, "gone").is_empty());
    }
}
