//! namespace(6) files: one operation per line.
//!
//! ```text
//! # comment (a line whose first word starts with '#')
//! bind [-abcC] new old
//! mount [-abcC] srvfile old [spec]
//! unmount [new] old
//! cd dir
//! clear
//! . file
//! ```
//!
//! `-a` MAFTER, `-b` MBEFORE, `-c` MCREATE, `-C` MCACHE. Words are split at
//! blanks; `'…'` quotes (rc style: `''` inside is a quote); `$var` and
//! `${var}` expand from the variables given (the environment by default).
//! Relative paths are taken from the directory set by `cd` (`/` at first).
//! `clear` starts again from an empty name space (`#/` as root, RFCNAMEG).
//! `. file` reads another file (a host path, relative to the including
//! file's directory), at most [`MAX_INCLUDE`] deep.
//!
//! `new` may be a `#` device name ([`crate::dev`]): `bind '#Z/home/me'
//! /n/home` shows the host's `/home/me` (confined below it) at `/n/home`.
//!
//! ninux extensions, since ninux has no `#s` to hold posted channels:
//! `srvfile` may be a dial string, `tcp!HOST!PORT` or `unix!PATH`, of a 9P
//! server; a plain path names a host unix-domain socket serving 9P.
//!
//! A bad line is an error `FILE:LINE: reason`; nothing here panics.

use std::collections::HashMap;
use std::path::Path;

use crate::error::*;
use crate::namespace::{cleanname, Namespace, MAFTER, MBEFORE, MCACHE, MCREATE, MREPL};

/// How deep `. file` may nest.
pub const MAX_INCLUDE: usize = 8;

/// One parsed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Bind {
        flags: u32,
        new: String,
        old: String,
    },
    Mount {
        flags: u32,
        srv: String,
        old: String,
        spec: String,
    },
    Unmount {
        new: Option<String>,
        old: String,
    },
    Cd(String),
    Clear,
    Include(String),
}

/// Splits a line into words: blanks separate, `'…'` quotes, `$var` expands.
pub fn words(
    line: &str,
    vars: &HashMap<String, String>,
) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut it = line.chars().peekable();
    while let Some(ch) = it.next() {
        match ch {
            ' ' | '\t' | '\r' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match it.next() {
                        None => return Err("unterminated quote".into()),
                        Some('\'') if it.peek() == Some(&'\'') => {
                            it.next();
                            cur.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                    }
                }
            }
            '$' => {
                in_word = true;
                let mut name = String::new();
                if it.peek() == Some(&'{') {
                    it.next();
                    loop {
                        match it.next() {
                            None => return Err("unterminated ${".into()),
                            Some('}') => break,
                            Some(c) => name.push(c),
                        }
                    }
                } else {
                    while let Some(&c) = it.peek() {
                        if c.is_ascii_alphanumeric() || c == '_' || c == '*' {
                            name.push(c);
                            it.next();
                        } else {
                            break;
                        }
                    }
                }
                if name.is_empty() {
                    return Err("$ without a variable name".into());
                }
                match vars.get(&name) {
                    Some(v) => cur.push_str(v),
                    None => return Err(format!("${name} is not set")),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

fn flags_of(args: &mut Vec<String>) -> std::result::Result<u32, String> {
    let mut flags = MREPL;
    while args
        .first()
        .is_some_and(|a| a.starts_with('-') && a.len() > 1)
    {
        let a = args.remove(0);
        for c in a[1..].chars() {
            flags |= match c {
                'a' => MAFTER,
                'b' => MBEFORE,
                'c' => MCREATE,
                'C' => MCACHE,
                _ => return Err(format!("unknown flag -{c}")),
            };
        }
    }
    if flags & MAFTER != 0 && flags & MBEFORE != 0 {
        return Err("-a and -b together".into());
    }
    Ok(flags)
}

/// Parses one line (already split into words); `None` for blank and comment
/// lines.
pub fn parse_line(
    line: &str,
    vars: &HashMap<String, String>,
) -> std::result::Result<Option<Op>, String> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let mut w = words(line, vars)?;
    if w.is_empty() {
        return Ok(None);
    }
    let cmd = w.remove(0);
    let op = match cmd.as_str() {
        "bind" => {
            let flags = flags_of(&mut w)?;
            match <[String; 2]>::try_from(w) {
                Ok([new, old]) => Op::Bind { flags, new, old },
                Err(_) => return Err("usage: bind [-abcC] new old".into()),
            }
        }
        "mount" => {
            let flags = flags_of(&mut w)?;
            if w.len() < 2 || w.len() > 3 {
                return Err("usage: mount [-abcC] srvfile old [spec]".into());
            }
            let spec = if w.len() == 3 {
                w.pop().unwrap_or_default()
            } else {
                String::new()
            };
            let old = w.pop().unwrap_or_default();
            let srv = w.pop().unwrap_or_default();
            Op::Mount {
                flags,
                srv,
                old,
                spec,
            }
        }
        "unmount" => match w.len() {
            1 => Op::Unmount {
                new: None,
                old: w.remove(0),
            },
            2 => {
                let old = w.pop().unwrap_or_default();
                Op::Unmount { new: w.pop(), old }
            }
            _ => return Err("usage: unmount [new] old".into()),
        },
        "cd" if w.len() == 1 => Op::Cd(w.remove(0)),
        "cd" => return Err("usage: cd dir".into()),
        "clear" if w.is_empty() => Op::Clear,
        "clear" => return Err("usage: clear".into()),
        "." if w.len() == 1 => Op::Include(w.remove(0)),
        "." => return Err("usage: . file".into()),
        other => return Err(format!("unknown command {other:?}")),
    };
    Ok(Some(op))
}

/// The state a namespace file runs in.
pub struct NsRun<'a> {
    pub ns: &'a mut Namespace,
    pub vars: HashMap<String, String>,
    /// The directory `cd` sets.
    pub dot: String,
}

impl<'a> NsRun<'a> {
    /// Runs with the process environment as variables.
    pub fn new(ns: &'a mut Namespace) -> NsRun<'a> {
        NsRun {
            ns,
            vars: std::env::vars().collect(),
            dot: "/".into(),
        }
    }

    fn abs(&self, p: &str) -> String {
        if p.starts_with('/') || p.starts_with('#') {
            p.into()
        } else {
            cleanname(&format!("{}/{p}", self.dot))
        }
    }

    /// Reads and runs the namespace file `file` (a host path).
    pub fn run_file(&mut self, file: &Path) -> Result<()> {
        self.run_file_depth(file, 0)
    }

    fn run_file_depth(&mut self, file: &Path, depth: usize) -> Result<()> {
        let text = std::fs::read(file).map_err(|e| Error::from(e).context(file.display()))?;
        let text = String::from_utf8(text)
            .map_err(|_| Error::msg(format!("{}: not UTF-8 text", file.display())))?;
        self.run_text(&text, file, depth)
    }

    /// Runs namespace-file text; `file` names it in errors and anchors
    /// relative includes.
    pub fn run_text(&mut self, text: &str, file: &Path, depth: usize) -> Result<()> {
        for (i, line) in text.lines().enumerate() {
            let at = |why: String| Error::msg(format!("{}:{}: {why}", file.display(), i + 1));
            let Some(op) = parse_line(line, &self.vars).map_err(at)? else {
                continue;
            };
            match op {
                Op::Include(f) => {
                    if depth + 1 >= MAX_INCLUDE {
                        return Err(at(format!("includes nested deeper than {MAX_INCLUDE}")));
                    }
                    let p = file.parent().unwrap_or(Path::new("/")).join(&f);
                    self.run_file_depth(&p, depth + 1)
                        .map_err(|e| at(e.to_string()))?;
                }
                op => self.apply(&op).map_err(|e| at(e.to_string()))?,
            }
        }
        Ok(())
    }

    /// Applies one operation (not `. file`).
    pub fn apply(&mut self, op: &Op) -> Result<()> {
        match op {
            Op::Bind { flags, new, old } => {
                let (new, old) = (self.abs(new), self.abs(old));
                self.ns
                    .bind(&new, &old, *flags)
                    .map_err(|e| e.context(format!("bind {new} {old}")))
            }
            Op::Mount {
                flags,
                srv,
                old,
                spec,
            } => {
                let old = self.abs(old);
                let addr = if srv.contains('!') {
                    srv.clone()
                } else {
                    format!("unix!{srv}")
                };
                let root = crate::devmnt::dial(&addr, spec)
                    .map_err(|e| e.context(format!("mount {srv}")))?;
                self.ns
                    .mount(root, &old, *flags, srv, spec)
                    .map_err(|e| e.context(format!("mount {srv} {old}")))
            }
            Op::Unmount { new, old } => {
                let new = new.as_deref().map(|n| self.abs(n));
                let old = self.abs(old);
                self.ns
                    .unmount(new.as_deref(), &old)
                    .map_err(|e| e.context(format!("unmount {old}")))
            }
            Op::Cd(d) => {
                let d = self.abs(d);
                let c = self
                    .ns
                    .walk_follow(&d)
                    .map_err(|e| e.context(format!("cd {d}")))?;
                if !c.is_dir() {
                    return Err(ENOTDIR.context(format!("cd {d}")));
                }
                self.dot = d;
                Ok(())
            }
            Op::Clear => {
                *self.ns = Namespace::new(crate::dev::attach("#/")?.0);
                self.dot = "/".into();
                Ok(())
            }
            Op::Include(_) => Err(EBADARG),
        }
    }
}

/// Quotes a word for a namespace file if it needs it.
pub fn quote(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:=@!%~".contains(c));
    if plain {
        w.into()
    } else {
        format!("'{}'", w.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> HashMap<String, String> {
        [("home", "/usr/glenda"), ("sys", "x86")]
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect()
    }

    #[test]
    fn parses_lines() {
        let v = vars();
        let p = |l: &str| parse_line(l, &v);
        assert_eq!(p("# comment").unwrap(), None);
        assert_eq!(p("   ").unwrap(), None);
        assert_eq!(
            p("bind -bc $home/bin /bin").unwrap(),
            Some(Op::Bind {
                flags: MBEFORE | MCREATE,
                new: "/usr/glenda/bin".into(),
                old: "/bin".into()
            })
        );
        assert_eq!(
            p("bind '#Z/home/me' /n/home").unwrap(),
            Some(Op::Bind {
                flags: 0,
                new: "#Z/home/me".into(),
                old: "/n/home".into()
            })
        );
        assert_eq!(
            p("bind -a #c /dev").unwrap(),
            Some(Op::Bind {
                flags: MAFTER,
                new: "#c".into(),
                old: "/dev".into()
            })
        );
        assert_eq!(
            p("mount -aC tcp!h!564 /n/x spec").unwrap(),
            Some(Op::Mount {
                flags: MAFTER | MCACHE,
                srv: "tcp!h!564".into(),
                old: "/n/x".into(),
                spec: "spec".into()
            })
        );
        assert_eq!(
            p("mount unix!/tmp/s /n/x").unwrap(),
            Some(Op::Mount {
                flags: 0,
                srv: "unix!/tmp/s".into(),
                old: "/n/x".into(),
                spec: "".into()
            })
        );
        assert_eq!(
            p("unmount /n/x").unwrap(),
            Some(Op::Unmount {
                new: None,
                old: "/n/x".into()
            })
        );
        assert_eq!(
            p("unmount /a /n/x").unwrap(),
            Some(Op::Unmount {
                new: Some("/a".into()),
                old: "/n/x".into()
            })
        );
        assert_eq!(
            p("cd /${sys}/bin").unwrap(),
            Some(Op::Cd("/x86/bin".into()))
        );
        assert_eq!(p("clear").unwrap(), Some(Op::Clear));
        assert_eq!(
            p(". other.ns").unwrap(),
            Some(Op::Include("other.ns".into()))
        );
        assert_eq!(
            p("bind 'it''s here' /x").unwrap(),
            Some(Op::Bind {
                flags: 0,
                new: "it's here".into(),
                old: "/x".into()
            })
        );
    }

    #[test]
    fn bad_lines_are_errors() {
        let v = vars();
        for l in [
            "bind /a",
            "bind -x /a /b",
            "bind -ab /a /b",
            "bind /a /b /c",
            "mount /srv",
            "unmount",
            "unmount a b c",
            "cd",
            "clear x",
            "frob /a",
            "bind '/a /b",
            "bind $nope /b",
            "bind ${home /b",
            "bind $ /b",
            ". ",
        ] {
            assert!(parse_line(l, &v).is_err(), "{l:?} parsed");
        }
    }

    #[test]
    fn run_reports_file_and_line() {
        let mut ns = Namespace::new(crate::dev::attach("#/").unwrap().0);
        let mut r = NsRun::new(&mut ns);
        let e = r
            .run_text(
                "# ok\nbind '#c' /dev\nbind /nonexistent /n\n",
                Path::new("/x/ns"),
                0,
            )
            .unwrap_err();
        assert!(e.as_str().starts_with("/x/ns:3: "), "{e}");
        let e = r.run_text("\n\nbogus\n", Path::new("f.ns"), 0).unwrap_err();
        assert_eq!(e.as_str(), "f.ns:3: unknown command \"bogus\"");
        // The first bind happened.
        assert!(ns.walk("/dev/null").is_ok());
    }

    #[test]
    fn include_depth_is_limited() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("loop.ns"), ". loop.ns\n").unwrap();
        let mut ns = Namespace::new(crate::dev::attach("#/").unwrap().0);
        let e = NsRun::new(&mut ns)
            .run_file(&t.path().join("loop.ns"))
            .unwrap_err();
        assert!(e.as_str().contains("nested deeper"), "{e}");
    }

    proptest::proptest! {
        /// Outside text never panics the parser, and a word list quoted by
        /// [`quote`] reads back as itself.
        #[test]
        fn parser_total(line in "\\PC{0,80}") {
            let _ = parse_line(&line, &vars());
        }

        #[test]
        fn quote_round_trips(ws in proptest::collection::vec("[^\\n\\r\\t ]{0,12}|\\PC{0,12}", 1..5)) {
            let ws: Vec<String> = ws.into_iter().filter(|w| !w.contains(['\n', '\r'])).collect();
            let line: Vec<String> = ws.iter().map(|w| quote(w)).collect();
            let line = line.join(" ");
            proptest::prop_assert_eq!(words(&line, &HashMap::new()).unwrap(), ws);
        }
    }

    #[test]
    fn quoting_round_trips() {
        for w in ["/a/b", "#Z/home/me", "it's", "a b", "$x", "tcp!h!564", ""] {
            let q = quote(w);
            assert_eq!(
                words(&q, &HashMap::new()).unwrap(),
                vec![w.to_string()],
                "{q}"
            );
        }
    }
}
