//! CSV readers for the CLI contract: header checks and row errors that name file, line and field.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use super::CliError;

/// A CSV file opened with its header checked: column positions by name.
pub struct CsvFile {
    name: String,
    reader: csv::Reader<File>,
    columns: HashMap<String, usize>,
}

/// One data row with its line number.
pub struct CsvRow {
    record: csv::StringRecord,
    line: u64,
}

impl CsvFile {
    /// Opens `path` and checks that every name in `required` is a header column (extra columns are
    /// ignored; order is free).
    pub fn open(path: &Path, required: &[&'static str]) -> Result<Self, CliError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| CliError::Io {
            file: name.clone(),
            message: e.to_string(),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(file);
        let headers = reader.headers().map_err(|e| CliError::BadInput {
            file: name.clone(),
            line: 1,
            field: "header".into(),
            message: e.to_string(),
        })?;
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
            .collect();
        for &r in required {
            if !columns.contains_key(r) {
                return Err(CliError::BadInput {
                    file: name,
                    line: 1,
                    field: r.into(),
                    message: format!(
                        "missing column {r:?} (header must name: {})",
                        required.join(",")
                    ),
                });
            }
        }
        Ok(Self {
            name,
            reader,
            columns,
        })
    }

    /// Whether the header names column `name`.
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.contains_key(name)
    }

    /// The file name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next row, `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<CsvRow, CliError>> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                Some(Ok(CsvRow { record, line }))
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                Some(Err(CliError::BadInput {
                    file: self.name.clone(),
                    line,
                    field: "row".into(),
                    message: e.to_string(),
                }))
            }
        }
    }

    /// The value of column `field` in `row` (trimmed); a row too short for it is an error.
    pub fn get<'r>(&self, row: &'r CsvRow, field: &'static str) -> Result<&'r str, CliError> {
        self.columns
            .get(field)
            .and_then(|&i| row.record.get(i))
            .map(str::trim)
            .ok_or_else(|| self.error(row, field, "missing value (row has too few fields)".into()))
    }

    /// An input error at `row`, `field`.
    pub fn error(&self, row: &CsvRow, field: &str, message: String) -> CliError {
        CliError::BadInput {
            file: self.name.clone(),
            line: row.line,
            field: field.into(),
            message,
        }
    }
}

impl CsvRow {
    /// The 1-based line number of the row in its file.
    pub fn line(&self) -> u64 {
        self.line
    }
}
