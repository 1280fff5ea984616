use clap::Parser;

fn main() {
    let cli = jcsim::cli::Cli::parse();
    jcsim::logging::init();
    let code = match jcsim::cmd::main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            jcsim::engine::exit::UNREACHABLE
        }
    };
    std::process::exit(code);
}
