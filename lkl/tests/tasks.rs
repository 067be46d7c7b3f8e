//! Tasks as processes: separate fd tables, exit status reaped with wait4
//! by the parent, and a signal sent with kill fetched through the API.

mod common;

use common::{cstr, kernel, mkdir_p};
use lkl::consts::*;
use lkl::task::{Signal, Task};
use lkl::{nr, sys, Errno};
use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

/// A host thread that adopted a task and runs jobs in it. The thread
/// stays alive between jobs because a host thread that ends takes its
/// task with it (the TLS destructor exits the task).
struct Worker {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn adopt(task: Task) -> Worker {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::spawn(move || {
            task.adopt().expect("adopt");
            for job in rx {
                job();
            }
        });
        Worker { jobs: Some(tx), thread: Some(thread) }
    }

    fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.as_ref().expect("worker alive").send(job).expect("worker alive");
        rx.recv().expect("job panicked")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn fd_open(fd: i32) -> bool {
    match lkl::syscall(nr::FCNTL, &[fd as i64, F_GETFD]) {
        Ok(_) => true,
        Err(Errno::EBADF) => false,
        Err(e) => panic!("fcntl: {e}"),
    }
}

#[test]
fn two_processes_have_their_own_fds_and_the_parent_reaps_status_7() {
    kernel();
    mkdir_p("/tasks");
    let (a, a_pid) = Task::clone_from_current(0, SIGCHLD as i32).expect("clone process A");
    let wa = Worker::adopt(a);
    let (b, b_pid, a_fd) = wa.run(move || {
        assert_eq!(sys::getpid().unwrap(), a_pid, "A's getpid");
        let (b, b_pid) = Task::clone_from_current(0, SIGCHLD as i32).expect("clone process B");
        let fd = sys::open(&cstr("/tasks/a-only"), O_RDWR | O_CREAT, 0o600).expect("A opens");
        (b, b_pid, fd)
    });
    assert_ne!(a_pid, b_pid);
    let wb = Worker::adopt(b);
    let b_saw_a_fd = wb.run(move || {
        assert_eq!(sys::getpid().unwrap(), b_pid, "B's getpid");
        let ppid = lkl::syscall(nr::GETPPID, &[]).unwrap() as i32;
        assert_eq!(ppid, a_pid, "B's parent");
        let saw = fd_open(a_fd);
        Task::exit_current(7 << 8, true).expect("exit");
        saw
    });
    assert!(!b_saw_a_fd, "B sees the fd A opened after B was created");
    let (pid, status) = wa.run(move || {
        assert!(fd_open(a_fd), "A lost its own fd");
        sys::wait4(b_pid, 0).expect("wait4")
    });
    assert_eq!(pid, b_pid);
    assert_eq!(status & 0x7f, 0, "B ended by a signal: status {status:#x}");
    assert_eq!((status >> 8) & 0xff, 7, "exit status of B: {status:#x}");
}

#[test]
fn kill_makes_a_signal_pending_and_the_api_delivers_it() {
    kernel();
    let (t, pid) = Task::clone_from_current(0, SIGCHLD as i32).expect("clone");
    // The task installs a handler (at a made-up address: nothing runs it).
    let act: [u64; 4] = [0x1000, (SA_SIGINFO | SA_RESTORER) as u64, 0x2000, 0];
    let wt = Worker::adopt(t);
    wt.run(move || {
        lkl::syscall(nr::RT_SIGACTION, &[SIGUSR1, act.as_ptr() as i64, 0, 8]).expect("rt_sigaction");
        assert!(!t.signal_pending().unwrap());
        assert!(Task::next_signal().unwrap().is_none(), "nothing pending yet");
    });
    let killer = sys::getpid().unwrap();
    sys::kill(pid, SIGUSR1).expect("kill");
    assert!(t.signal_pending().expect("signal_pending"), "SIGUSR1 not pending after kill");
    let sig = wt.run(Task::next_signal).expect("next_signal");
    match sig {
        Some(Signal::Handler { signo, handler, flags, restorer, siginfo, .. }) => {
            assert_eq!(signo as i64, SIGUSR1);
            assert_eq!(handler, 0x1000);
            assert_eq!(restorer, 0x2000);
            assert_ne!(flags & SA_SIGINFO as u64, 0);
            let si_signo = i32::from_ne_bytes(siginfo[0..4].try_into().unwrap());
            let si_code = i32::from_ne_bytes(siginfo[8..12].try_into().unwrap());
            let si_pid = i32::from_ne_bytes(siginfo[16..20].try_into().unwrap());
            assert_eq!(si_signo as i64, SIGUSR1);
            assert_eq!(si_code, 0, "SI_USER");
            assert_eq!(si_pid, killer);
        }
        other => panic!("expected a handler delivery, got {other:?}"),
    }
    assert!(!t.signal_pending().unwrap(), "still pending after delivery");
    // The default action of SIGTERM (no handler) ends the whole group.
    sys::kill(pid, SIGTERM).expect("kill TERM");
    let sig = wt.run(Task::next_signal).expect("next_signal");
    assert!(matches!(sig, Some(Signal::Exit { status }) if status as i64 == SIGTERM), "{sig:?}");
    let (reaped, status) = sys::wait4(pid, 0).expect("wait4");
    assert_eq!(reaped, pid);
    assert_eq!(status & 0x7f, SIGTERM as i32);
}
