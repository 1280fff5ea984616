use clap::Parser;

fn main() {
    let cli = jcsim::cli::Cli::parse();
    jcsim::logging::init();
    let code = match jcsim::cmd::main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            jcsim::record::Exit::Unreachable
        }
    };
    std::process::exit(code.code());
}
