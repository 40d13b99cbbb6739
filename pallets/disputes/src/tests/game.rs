//! The calls, their errors and the clocks.

use super::harness::*;
