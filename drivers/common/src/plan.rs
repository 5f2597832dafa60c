//! Multi-step driver actions with undo: a plan is a list of steps, each with an optional
//! compensation; when a step fails, the compensations of the steps that completed run in
//! reverse order, so the host is left as it was before the action (as OpenNebula's exec
//! drivers do with their "fail actions").

use crate::DriverError;

/// What a step does.
type Run<'a, C> = Box<dyn FnOnce(&mut C) -> Result<(), DriverError> + 'a>;
/// How a step is taken back.
type Undo<'a, C> = Box<dyn FnOnce(&mut C) + 'a>;

/// One step: what it does to the context `C`, and how to take it back.
pub struct Step<'a, C> {
    /// Its name, for messages and failure injection.
    pub name: &'static str,
    run: Run<'a, C>,
    undo: Option<Undo<'a, C>>,
}

impl<'a, C> Step<'a, C> {
    /// A step without compensation (nothing to take back).
    pub fn new(name: &'static str, run: impl FnOnce(&mut C) -> Result<(), DriverError> + 'a) -> Self {
        Step { name, run: Box::new(run), undo: None }
    }

    /// A step with its compensation.
    pub fn with_undo(
        name: &'static str,
        run: impl FnOnce(&mut C) -> Result<(), DriverError> + 'a,
        undo: impl FnOnce(&mut C) + 'a,
    ) -> Self {
        Step { name, run: Box::new(run), undo: Some(Box::new(undo)) }
    }
}

/// Runs the steps in order; on the first failure, undoes the completed steps in reverse order
/// and returns the failure prefixed with the step's name.
pub fn run<C>(ctx: &mut C, steps: Vec<Step<'_, C>>) -> Result<(), DriverError> {
    let mut done: Vec<(&'static str, Option<Undo<'_, C>>)> = Vec::new();
    for step in steps {
        match (step.run)(ctx) {
            Ok(()) => done.push((step.name, step.undo)),
            Err(e) => {
                let undone: Vec<&str> = done.iter().rev().map(|(n, _)| *n).collect();
                for (_, undo) in done.into_iter().rev() {
                    if let Some(undo) = undo {
                        undo(ctx);
                    }
                }
                let detail = if undone.is_empty() {
                    String::new()
                } else {
                    format!(" (undone: {})", undone.join(", "))
                };
                return Err(DriverError::new(format!("{} failed: {}{detail}", step.name, e.message)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan<'a>(fail_at: Option<usize>) -> Vec<Step<'a, Vec<&'static str>>> {
        const NAMES: [&str; 3] = ["mkdir", "write", "start"];
        NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Step::with_undo(
                    name,
                    move |log: &mut Vec<&'static str>| {
                        if fail_at == Some(i) {
                            return Err(DriverError::new("boom"));
                        }
                        log.push(name);
                        Ok(())
                    },
                    move |log: &mut Vec<&'static str>| log.retain(|n| n != name),
                )
            })
            .collect()
    }

    #[test]
    fn completed_steps_are_undone_when_a_later_one_fails() {
        let mut log = Vec::new();
        run(&mut log, plan(None)).unwrap();
        assert_eq!(log, ["mkdir", "write", "start"]);
        for fail_at in 0..3 {
            let mut log = Vec::new();
            let err = run(&mut log, plan(Some(fail_at))).unwrap_err();
            assert!(log.is_empty(), "step {fail_at}: left {log:?}");
            assert!(err.message.contains("failed: boom"), "{}", err.message);
        }
    }
}
