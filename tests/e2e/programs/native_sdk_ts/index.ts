// Typed resources from the generated SDKs (tools/gen-sdks.sh), each vendor through an explicit provider whose
// credentials come from stack config; tsc --strict checks this file against the SDKs' declarations first.
import * as pulumi from "@pulumi/pulumi";
import * as batch from "@audience-providers/batch";
import * as thrive from "@audience-providers/thrive";

const config = new pulumi.Config();

const tenant = new thrive.Provider("tenant", {
    baseUrl: config.require("thriveBaseUrl"),
    tenantId: config.require("thriveTenantId"),
    apiSecret: config.requireSecret("thriveApiSecret"),
});
const opts = { provider: tenant };
const eng = new thrive.Structure("eng", { name: "Engineering", reference: "ts-eng" }, opts);
const team = new thrive.Audience("team", { name: "Platform team", reference: "ts-team", parent: eng.id }, opts);

const project = new batch.Provider("project", {
    baseUrl: config.require("batchBaseUrl"),
    projectKey: config.require("batchProjectKey"),
    apiKey: config.requireSecret("batchApiKey"),
});
const vips = new batch.Audience("vips", { name: "ts_vips", displayName: "VIPs from TypeScript" },
                                { provider: project });

export const engId = eng.id;
export const engCategory = eng.category;
export const teamParent = team.parent;
export const vipsName = vips.name;
export const vipsDisplayName = vips.displayName;
