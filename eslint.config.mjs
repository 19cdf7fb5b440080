// The JS linter of scripts/test.sh (`npx eslint`): the recommended rules plus a few that catch real
// mistakes, on the bridge (what pages run). Types are tsc's job (tsconfig.json), not the linter's.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    files: ["bridge/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker },
    },
    rules: {
      ...js.configs.recommended.rules,
      eqeqeq: ["error", "always", { null: "ignore" }], // `x == null` is the one loose comparison we mean
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
];
