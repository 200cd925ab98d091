//! The scenario catalog (filled by the scenarios work).
