//! The benchmark's table: one row per workload, per runner its figure (the
//! median of the rounds) and its ratio to native (the median of the
//! per-round ratios); failures listed below the table.

use crate::runners::Resolved;
use crate::{Cell, Row};

pub fn print(runners: &[Resolved], rows: &[Row]) {
    let mut header = format!("{:<20} {:>8}", "workload", "unit");
    for r in runners {
        header += &format!(" {:>20}", r.runner.name());
    }
    println!("{header}");
    for row in rows {
        let mut line = format!("{:<20} {:>8}", row.name, row.unit);
        for cell in &row.cells {
            let text = match cell {
                Cell::Value { value, ratio, same } => {
                    let mark = if *same { "" } else { " ≠" };
                    match ratio {
                        Some(r) => format!("{} ({r:.3}x){mark}", figure(*value)),
                        None => format!("{}{mark}", figure(*value)),
                    }
                }
                Cell::Failed(_) => "failed".into(),
                Cell::NotRun => "-".into(),
            };
            line += &format!(" {text:>20}");
        }
        println!("{line}");
    }
    for row in rows {
        for (r, cell) in runners.iter().zip(&row.cells) {
            if let Cell::Failed(why) = cell {
                println!("  {} under {}: {why}", row.name, r.runner.name());
            }
        }
    }
    if rows
        .iter()
        .flat_map(|r| &r.cells)
        .any(|c| matches!(c, Cell::Value { same: false, .. }))
    {
        println!("  ≠: the output differed from the native run's");
    }
}

fn figure(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
