// The document store builds its first document on import from the served defaults; the tests run
// without a server, so they load the same answer from tests/shared/defaults.json (which a pytest
// keeps equal to GET /api/v1/defaults).
import defaults from "../../tests/shared/defaults.json";
import type { Defaults } from "./api/types";
import { setDefaults } from "./store/defaults";

setDefaults(defaults as Defaults);
