//! An ext4 image made by mke2fs -d outside Linux, served by our virtio-blk
//! device to Linux's own virtio_blk driver: mounted, read, written,
//! unmounted, then checked clean by e2fsck and read back by debugfs.

mod common;

use common::{cstr, mkdir_p, read_file, write_file};
use lkl::host::disk::FileDisk;
use lkl::sys;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("cellux-lkl-ext4-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("tree/sub")).unwrap();
    d
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while sys::stat(&cstr(path)).is_err() {
        assert!(Instant::now() < deadline, "{path} never appeared\n{}", lkl::host::console::log());
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ext4_image_read_written_and_clean_after_unmount() {
    common::require_linux();
    let dir = scratch();
    std::fs::write(dir.join("tree/hello.txt"), b"made outside Linux\n").unwrap();
    std::fs::write(dir.join("tree/sub/big.bin"), vec![0x5au8; 300_000]).unwrap();
    let img = dir.join("disk.img");
    run(Command::new("mke2fs").args(["-q", "-F", "-t", "ext4", "-d"]).arg(dir.join("tree")).arg(&img).arg("32M"));

    let disk = FileDisk::open(&img, false).expect("open image");
    let k = lkl::host::Boot::new().disk(disk, "ext4-test").expect("add disk").start().expect("boot");

    mkdir_p("/dev");
    sys::mount(&cstr("devtmpfs"), &cstr("/dev"), &cstr("devtmpfs"), 0, None).expect("mount devtmpfs");
    wait_for("/dev/vda");
    mkdir_p("/mnt");
    sys::mount(&cstr("/dev/vda"), &cstr("/mnt"), &cstr("ext4"), 0, None)
        .unwrap_or_else(|e| panic!("mount ext4: {e}\n{}", lkl::host::console::log()));

    assert_eq!(read_file("/mnt/hello.txt").unwrap(), b"made outside Linux\n");
    assert_eq!(read_file("/mnt/sub/big.bin").unwrap(), vec![0x5au8; 300_000]);
    let written: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    write_file("/mnt/written.bin", &written).unwrap();
    write_file("/mnt/note.txt", b"written by cellux's Linux\n").unwrap();
    assert_eq!(sys::stat(&cstr("/mnt/written.bin")).unwrap().st_size, written.len() as i64);
    sys::umount(&cstr("/mnt"), 0).expect("umount");
    k.halt().expect("halt");

    run(Command::new("e2fsck").args(["-f", "-n"]).arg(&img));
    let note = run(Command::new("debugfs").args(["-R", "cat /note.txt"]).arg(&img));
    assert_eq!(note, "written by cellux's Linux\n");
    let dump = dir.join("dump.bin");
    run(Command::new("debugfs").arg("-R").arg(format!("dump /written.bin {}", dump.display())).arg(&img));
    assert_eq!(std::fs::read(&dump).unwrap(), written);
    let _ = std::fs::remove_dir_all(&dir);
}
