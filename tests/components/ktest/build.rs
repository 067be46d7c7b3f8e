// Links the components freestanding: the runtime's linker script for the
// ordinary ones (at 4 MiB), region.ld for khostile (in the server region).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    for a in ["-nostartfiles", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,max-page-size=4096", "-Wl,--no-dynamic-linker"] {
        println!("cargo:rustc-link-arg-bins={a}");
    }
    for bin in ["ktest", "ktsrv", "ktlinux", "kcrash", "kbench"] {
        println!("cargo:rustc-link-arg-bin={bin}=-Wl,-T,{dir}/../../../components/rt/link.ld");
    }
    println!("cargo:rustc-link-arg-bin=khostile=-Wl,-T,{dir}/region.ld");
    println!("cargo:rerun-if-changed=../../../components/rt/link.ld");
    println!("cargo:rerun-if-changed=region.ld");
}
