// Acceptance tests for the network faults of SWARM_FAULT_KINDS (DESIGN §5): one test per case of
// NETWORK_CASES (sim/fault-cases-network.ts), each run under the fixed seeds of sim/fault-cases.ts.
// That every kind has exactly one case across the families is checked in sim/faults.test.ts.

import { describeFaultCases } from './fault-cases.ts';
import { NETWORK_CASES } from './fault-cases-network.ts';

describeFaultCases(NETWORK_CASES);
