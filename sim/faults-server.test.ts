// Acceptance tests for the server faults of SWARM_FAULT_KINDS (DESIGN §5): one test per case of
// SERVER_CASES (sim/fault-cases-server.ts), each run under the fixed seeds of sim/fault-cases.ts.
// That every kind has exactly one case across the families is checked in sim/faults.test.ts.

import { describeFaultCases } from './fault-cases.ts';
import { SERVER_CASES } from './fault-cases-server.ts';

describeFaultCases(SERVER_CASES);
