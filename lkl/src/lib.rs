//! cellux's library-mode Linux: see lkl/README.md.
