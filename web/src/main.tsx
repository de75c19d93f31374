/** Entry point: read the deployment, connect the light client, show the app (or why it cannot start). */
import { render } from "preact";
import { App } from "./app.js";
import { loadConfig } from "./config.js";
import { connectLedger } from "./ledger.js";
import "./styles.css";

const root = document.getElementById("app")!;

root.textContent = ""; // the "loading" line: render() adds to what the element holds
loadConfig()
  .then((cfg) => render(<App ledger={connectLedger(cfg)} />, root))
  .catch((e: Error) =>
    render(
      <main class="card">
        <h1>The app cannot start</h1>
        <p role="alert">{e.message}</p>
      </main>,
      root,
    ),
  );
