// Links the component with the runtime's linker script, freestanding.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    for a in ["-nostartfiles", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,max-page-size=4096", "-Wl,--no-dynamic-linker"] {
        println!("cargo:rustc-link-arg-bins={a}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/../../../components/rt/link.ld");
    println!("cargo:rerun-if-changed=../../../components/rt/link.ld");
}
