/** Example FHIR R4 resources to start an upload from (the project's own fixtures, bundled). */
import allergy from "../../../sequencer/fhir/fixtures/allergy-peanut.json";
import glucose from "../../../sequencer/fhir/fixtures/observation-glucose.json";
import pressure from "../../../sequencer/fhir/fixtures/observation-blood-pressure.json";

export const EXAMPLES: { label: string; resource: unknown }[] = [
  { label: "Glucose result (laboratory)", resource: glucose },
  { label: "Blood pressure (vital signs)", resource: pressure },
  { label: "Peanut allergy (allergies)", resource: allergy },
];
