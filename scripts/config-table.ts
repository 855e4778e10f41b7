import { readFileSync, writeFileSync } from "node:fs";
import { withCurrentTable } from "../src/config/table.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withCurrentTable(readFileSync(path, "utf8")));
console.log("README configuration table updated");
