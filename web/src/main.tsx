/** Entry point: read the deployment, connect the light client, show the app (or why it cannot start). */
import { render } from "preact";
import { App } from "./app.js";
import { loadConfig } from "./config.js";
import { devIssuer } from "./governance.js";
import { giveName } from "./identities.js";
import { connectLedger } from "./ledger.js";
import "./styles.css";

const root = document.getElementById("app")!;

root.textContent = ""; // the "loading" line: render() adds to what the element holds
loadConfig()
  .then((cfg) => {
    const ledger = connectLedger(cfg);
    const issuer = devIssuer(ledger);
    if (issuer) giveName(issuer.address, "Devnet medical board");
    render(<App ledger={ledger} />, root);
  })
  .catch((e: Error) =>
    render(
      <main class="card">
        <h1>The app cannot start</h1>
        <p role="alert">{e.message}</p>
      </main>,
      root,
    ),
  );
