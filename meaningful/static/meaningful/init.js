import { initAll } from "../build/govuk-frontend.min.js";
import { watchCoding } from "./coding-selection.js";
import { watchRecording } from "./recording-prompts.js";
import { watchSession } from "./session-timeout.js";

initAll();
watchSession();
watchRecording();
watchCoding();
