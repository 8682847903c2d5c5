//! Time: the timing wheel (and, soon, sleeps and timeouts).

pub mod wheel;
