// Links the server freestanding with its own linker script: Linux's object
// brings sections (.init.text, __param, a writable .rodata, ...) that the
// runtime's script for plain components does not place. The test process
// (lkltproc) is an ordinary static Linux program, linked with the default
// script, whose first loadable segment holds its ELF and program headers as
// Linux's loader and ours expect (AT_PHDR).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    for a in ["-nostartfiles", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,max-page-size=4096", "-Wl,--no-dynamic-linker"] {
        println!("cargo:rustc-link-arg-bins={a}");
    }
    println!("cargo:rustc-link-arg-bin=lklsrv=-Wl,-T,{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
}
