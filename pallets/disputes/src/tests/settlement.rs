//! Settlement: real balances, to the planck.

use super::harness::*;
