// Acceptance tests for the client and clock faults of SWARM_FAULT_KINDS (DESIGN §5): one test per case of
// CLIENT_CASES (sim/fault-cases-client.ts), each run under the fixed seeds of sim/fault-cases.ts.
// That every kind has exactly one case across the families is checked in sim/faults.test.ts.

import { describeFaultCases } from './fault-cases.ts';
import { CLIENT_CASES } from './fault-cases-client.ts';

describeFaultCases(CLIENT_CASES);
