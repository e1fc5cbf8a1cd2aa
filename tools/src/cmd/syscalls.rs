//! `ninux syscalls`: the translation table, as text, JSON or CSV.

use personality::table::TABLE;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut out = String::new();
    match args.format {
        Format::Text => {
            for e in TABLE.iter() {
                out.push_str(&format!(
                    "{:>3}  {:<24} {:<8} {}\n",
                    e.nr,
                    e.name,
                    e.support.label(),
                    e.note
                ));
            }
            let count = |l: &str| TABLE.iter().filter(|e| e.support.label() == l).count();
            out.push_str(&format!(
                "{} syscalls: {} full, {} partial, {} stub, {} absent\n",
                TABLE.len(),
                count("full"),
                count("partial"),
                count("stub"),
                count("absent")
            ));
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = TABLE
                .iter()
                .map(|e| {
                    let mut row = serde_json::json!({
                        "number": e.nr,
                        "name": e.name,
                        "support": e.support.label(),
                        "note": e.note,
                    });
                    if let personality::table::Support::Stub(errno) = e.support {
                        row["errno"] = errno.name().into();
                    }
                    row
                })
                .collect();
            out = serde_json::to_string_pretty(&rows)?;
            out.push('\n');
        }
        Format::Csv => {
            out.push_str("number,name,support,note\n");
            for e in TABLE.iter() {
                out.push_str(&format!(
                    "{},{},{},\"{}\"\n",
                    e.nr,
                    e.name,
                    e.support.label(),
                    e.note.replace('"', "\"\"")
                ));
            }
        }
    }
    use std::io::Write;
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(0)
}
