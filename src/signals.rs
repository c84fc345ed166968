//! SIGINT and SIGTERM as a [`Stop`]: the run ends between two pages and flushes what
//! it has. A second signal ends the process at once.

use std::io;

use crate::pipeline::{Stop, StopSignal};

/// The exit status of a run that `signal` stopped: 128 + the signal number, as shells
/// report it.
pub fn exit_status(signal: StopSignal) -> u8 {
    match signal {
        StopSignal::Interrupt => 130,
        StopSignal::Terminate => 143,
    }
}

/// Starts listening for SIGINT and SIGTERM; the returned [`Stop`] comes with the first.
pub fn stop_on_signals() -> Stop {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let (handle, stop) = Stop::new();
    let not_handled = |error: io::Error| {
        log::warn!("cannot handle Ctrl-C ({error}); it will end the run without a flush");
    };
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(error) => {
            not_handled(error);
            return stop;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let signal = if signal == SIGTERM {
                    StopSignal::Terminate
                } else {
                    StopSignal::Interrupt
                };
                if handle.request(signal) {
                    std::process::exit(i32::from(exit_status(signal)));
                }
            }
        });
    if let Err(error) = spawned {
        not_handled(error);
    }
    stop
}
