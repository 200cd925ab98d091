// Each page of the user guide, `docs/*.md`, as a module of `guide` (the
// module's own documentation, in `lib.rs`, is the guide's index,
// `docs/README.md`). The crate's build script writes the list and turns the
// pages' links to each other into links between these modules.
include!(concat!(env!("OUT_DIR"), "/guide.rs"));
