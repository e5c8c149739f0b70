// ESLint (issue #22): typescript-eslint's recommended rules, React's hooks rules and
// Next's own, over everything TypeScript in the repo. `npm run lint` runs it in `npm test`.
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".next/**", "dist/**", "node_modules/**", "test-data/**", "test-results/**", "playwright-report/**", "bench/results/**", "drizzle/**", "next-env.d.ts"] },
  ...tseslint.configs.recommended,
  {
    // React code only: elsewhere a `use…` name is no hook (the tests' useTestEnvironment).
    files: ["app/**", "components/**"],
    ignores: ["**/*.test.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    plugins: { "@next/next": nextPlugin },
    rules: {
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      // `_name` says "deliberately unused" (a destructured field left out, an ignored argument).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
);
