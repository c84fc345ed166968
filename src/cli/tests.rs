use super::*;
use std::time::Duration;

fn args(list: &[&str]) -> Vec<String> {
    std::iter::once("link-extractor")
        .chain(list.iter().copied())
        .map(String::from)
        .collect()
}

/// A terminal on stdin, as when a user types the command.
fn at_a_terminal() -> Environment {
    Environment {
        job_completion_index: None,
        stdin_is_terminal: true,
    }
}

fn config(list: &[&str]) -> Config {
    match parse(&args(list), &at_a_terminal()) {
        Ok(Command::Extract(config)) => *config,
        other => panic!("expected an extraction, got {other:?}"),
    }
}

fn usage_message(list: &[&str]) -> String {
    match parse(&args(list), &at_a_terminal()) {
        Err(error) => error.to_string(),
        other => panic!("expected a usage error, got {other:?}"),
    }
}

fn info(list: &[&str]) -> String {
    match parse(&args(list), &at_a_terminal()) {
        Ok(Command::Info(text)) => text,
        other => panic!("expected help or version, got {other:?}"),
    }
}

fn source_names(config: &Config) -> Vec<String> {
    config
        .input
        .sources
        .iter()
        .map(|source| match source {
            InputSource::Url(url) => url.to_string(),
            InputSource::File(lines) => format!("file {}", lines.name),
            InputSource::Html(path) => format!("html {path}"),
        })
        .collect()
}

#[test]
fn defaults() {
    let config = config(&["https://a.test/"]);
    assert_eq!(config.output.format, OutputFormat::Stdout);
    assert_eq!(config.pipeline.jobs, 32);
    assert_eq!(config.fetch.timeout, Duration::from_secs(30));
    assert_eq!(config.html.parse_timeout, Duration::from_secs(30));
    assert_eq!(config.fetch.connect_timeout, Duration::from_secs(10));
    assert_eq!(config.fetch.retries, 2);
    assert_eq!(config.fetch.max_redirects, 10);
    assert_eq!(config.fetch.max_bytes, 16 << 20);
    assert_eq!(config.html.max_bytes, 16 << 20);
    assert_eq!(
        config.fetch.user_agent,
        format!("link-extractor/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(config.verbosity, 0);
    assert!(!config.inputs_from_stdin);
}

#[test]
fn order_of_sources_is_the_command_line_order() {
    let config = config(&[
        "-j",
        "4",
        "https://b.test/",
        "-u",
        "https://a.test/",
        "--timeout=5",
        "--html",
        "page.html",
        "-i",
        "-",
        "https://c.test/",
        "--url=https://d.test/",
    ]);
    assert_eq!(
        source_names(&config),
        [
            "https://b.test/",
            "https://a.test/",
            "html page.html",
            "file -",
            "https://c.test/",
            "https://d.test/",
        ]
    );
    assert_eq!(config.fetch.timeout, Duration::from_secs(5));
    assert_eq!(config.pipeline.jobs, 4);
}

#[test]
fn values_with_units_and_repeated_switches() {
    let config = config(&[
        "-u",
        "http://a.test",
        "--timeout",
        "500ms",
        "--max-bytes",
        "2KiB",
        "-vvv",
        "-q",
    ]);
    assert_eq!(config.fetch.timeout, Duration::from_millis(500));
    assert_eq!(config.fetch.max_bytes, 2048);
    assert_eq!(config.verbosity, 2);
}

#[test]
fn spellings_are_rewritten_only_for_known_options_and_before_a_double_dash() {
    let rewrite = |list: &[&str]| rewrite_spellings(&args(list)[1..]);
    assert_eq!(
        rewrite(&["--output=json", "-vv", "--", "--jobs=2", "-vv"]),
        ["--output", "json", "-v", "-v", "--", "--jobs=2", "-vv"]
    );
    // Not options argh knows, or switches that do not count: left to argh to reject.
    assert_eq!(rewrite(&["--bogus=1", "-hh"]), ["--bogus=1", "-hh"]);
    assert_eq!(rewrite(&["-qq"]), ["-q", "-q"]);
}

#[test]
fn usage_errors_name_the_value_and_the_fix() {
    assert_eq!(
        usage_message(&["example.com"]),
        "invalid URL 'example.com' (from argument): not an absolute URL (did you mean https://example.com?)"
    );
    assert_eq!(
        usage_message(&["127.0.0.1:8000/docs"]),
        "invalid URL '127.0.0.1:8000/docs' (from argument): not an absolute URL (did you mean http://127.0.0.1:8000/docs?)"
    );
    assert_eq!(
        usage_message(&["-u", "ftp://a.test/"]),
        "invalid URL 'ftp://a.test/' (from -u): only http:// and https:// URLs can be fetched"
    );
    assert_eq!(
        usage_message(&["-o", "xml", "http://a.test"]),
        "invalid --output 'xml': expected stdout, json or jsonl"
    );
    assert_eq!(
        usage_message(&["-j", "0", "http://a.test"]),
        "invalid --jobs '0': expected a number from 1 to 1024"
    );
    assert_eq!(
        usage_message(&["--timeout", "soon", "http://a.test"]),
        "invalid --timeout 'soon': expected a positive duration of at most a day, such as \
         30, 2.5s, 500ms or 1m"
    );
    assert_eq!(
        usage_message(&["-H", "NoColon", "http://a.test"]),
        "invalid --header 'NoColon': expected 'Name: value'"
    );
    assert_eq!(
        usage_message(&["--shard", "3/3", "http://a.test"]),
        "invalid --shard '3/3': INDEX 3 is out of range: it must be less than COUNT 3"
    );
    assert_eq!(
        usage_message(&[]),
        "no URL given: pass page URLs as arguments, with -u URL, in a file with -i FILE, \
         or on stdin (see 'link-extractor --help')"
    );
    assert_eq!(
        usage_message(&["--bogus"]),
        "Unrecognized argument: --bogus\nRun 'link-extractor --help' for usage."
    );
}

#[test]
fn a_mistyped_flag_gets_the_nearest_one() {
    for (typed, meant) in [
        ("--ouput", "--output"),
        ("--Timeout", "--timeout"),
        ("--max-byte", "--max-bytes"),
        ("--conect-timeout", "--connect-timeout"),
        ("--hedaer", "--header"),
        ("--jbos", "--jobs"),
    ] {
        assert_eq!(
            usage_message(&[typed, "x", "http://a.test"]),
            format!(
                "Unrecognized argument: {typed} (did you mean {meant}?)\n\
                 Run 'link-extractor --help' for usage."
            )
        );
    }
    // Nothing near enough, or a short flag: no guess.
    for typed in ["--bogus", "--crawl", "-x"] {
        assert_eq!(
            usage_message(&[typed, "http://a.test"]),
            format!("Unrecognized argument: {typed}\nRun 'link-extractor --help' for usage.")
        );
    }
}

#[test]
fn shard_auto_reads_the_job_completion_index() {
    let env = Environment {
        job_completion_index: Some("2".into()),
        stdin_is_terminal: true,
    };
    let Ok(Command::Extract(config)) = parse(&args(&["--shard", "auto/4", "http://a.test"]), &env)
    else {
        panic!("valid");
    };
    assert_eq!(config.input.shard, Some(Shard { index: 2, count: 4 }));
    assert_eq!(
        usage_message(&["--shard", "auto/4", "http://a.test"]),
        "invalid --shard 'auto/4': auto needs JOB_COMPLETION_INDEX in the environment \
         (a Kubernetes Indexed Job sets it)"
    );
}

#[test]
fn with_no_input_named_a_piped_stdin_is_read() {
    let piped = Environment::default();
    let Ok(Command::Extract(config)) = parse(&args(&["-o", "jsonl"]), &piped) else {
        panic!("valid");
    };
    assert_eq!(source_names(&config), ["file -"]);
    assert!(config.inputs_from_stdin);
    // An input named: stdin is left alone.
    let Ok(Command::Extract(config)) = parse(&args(&["http://a.test/"]), &piped) else {
        panic!("valid");
    };
    assert_eq!(source_names(&config), ["http://a.test/"]);
    assert!(!config.inputs_from_stdin);
}

#[test]
fn version_and_help_in_every_spelling() {
    let version = format!("link-extractor {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(info(&["--version"]), version);
    assert_eq!(info(&["-V"]), version);
    let help = info(&["--help"]);
    assert_eq!(info(&["-h"]), help);
    assert_eq!(info(&["help"]), help);
    assert!(help.starts_with(
        "Usage: link-extractor [URL...] [-u URL]... [-i FILE|-] [--html FILE|-] [OPTIONS]\n       \
         link-extractor domains [FILE|-]\n\nFetch web pages"
    ));
    assert!(help.contains("\nCommands:\n  domains "), "{help}");
    for line in help.lines() {
        assert!(line.chars().count() <= 80, "too long: {line}");
    }
}

#[test]
fn domains_takes_one_file_and_none_of_the_main_inputs() {
    let domains_help = info(&["domains", "--help"]);
    assert!(domains_help.starts_with("Usage: link-extractor domains [FILE|-]\n\nPrint the unique"));
    assert_eq!(info(&["domains", "help"]), domains_help);
    assert_eq!(info(&["help", "domains"]), domains_help);
    assert!(matches!(
        parse(&args(&["domains"]), &at_a_terminal()),
        Ok(Command::Domains(lines)) if lines.name == "-"
    ));
    assert_eq!(
        usage_message(&["domains", "--frob"]),
        "Unrecognized argument: --frob\nRun 'link-extractor domains --help' for usage."
    );
    assert_eq!(
        usage_message(&["domains", "a.txt", "b.txt"]),
        "domains reads one FILE, got 'a.txt' and 'b.txt': to read several, concatenate \
         them (cat FILE... | link-extractor domains)"
    );
    assert_eq!(
        usage_message(&["https://a.test/", "domains"]),
        "'domains' takes no page URLs or input options: give them without 'domains', or \
         run 'link-extractor domains --help'"
    );
}

#[test]
fn the_psl_version_in_the_domains_help_is_the_one_in_cargo_lock() {
    let lock = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
    let locked = lock
        .split("[[package]]")
        .find(|package| package.contains("\nname = \"psl\"\n"))
        .and_then(|package| package.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|version| version.trim_matches('"'));
    let Some(locked) = locked else {
        panic!("psl is not in Cargo.lock");
    };
    let help = info(&["domains", "--help"]).replace('\n', " ");
    assert!(
        help.contains(&format!("(psl crate {locked}, published ")),
        "update the psl version and date in the domains description in src/cli.rs"
    );
}
