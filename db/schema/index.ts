export * from "./accounts";
export * from "./notifications";
