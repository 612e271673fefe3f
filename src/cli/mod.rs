//! The native `alsobuy` command line: `recommend` (the CSV contract of the evaluation issue) and `evaluate`
//! (the offline evaluation on Groceries and MovieLens-100K). Native only: it reads and writes files.

pub mod datasets;
pub mod evaluate;
pub mod input;
pub mod pack;
pub mod recommend;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use thiserror::Error;

/// What can go wrong in the CLI. Every variant maps to exit code 2 (bad input or usage) except
/// [`CliError::Output`] (exit code 1: the input was fine, writing failed).
#[derive(Debug, Error)]
pub enum CliError {
    /// A malformed input file.
    #[error("{file}: line {line}, field `{field}`: {message}")]
    BadInput {
        /// The file as given on the command line.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The column (or `header`, `row`).
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// An input file could not be read.
    #[error("{file}: {message}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        message: String,
    },
    /// A bad option value or a model that cannot run on this data.
    #[error("{0}")]
    Usage(String),
    /// The output could not be written.
    #[error("{file}: cannot write output: {message}")]
    Output {
        /// The file.
        file: String,
        /// The OS error.
        message: String,
    },
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Output { .. } => 1,
            _ => 2,
        }
    }
}

/// `alsobuy`: "customers also bought" suggestions, offline.
#[derive(Debug, Parser)]
#[command(name = "alsobuy", version, about)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recommend K items per query (CSV in, CSV out).
    Recommend(recommend::RecommendArgs),
    /// Evaluate the models on a public dataset and print a Markdown table.
    Evaluate(evaluate::EvaluateArgs),
    /// Build the aggregated model pack a shop ships to its shoppers' browsers.
    Pack(pack::PackArgs),
}

/// Parses `std::env::args`, runs the command and returns the exit code (errors go to stderr).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Recommend(a) => recommend::run(&a),
        Command::Evaluate(a) => evaluate::run(&a),
        Command::Pack(a) => pack::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alsobuy: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
