"""Thrive through the plugin: the default provider (stack config) and an explicit one for a second tenant."""

import pulumi

config = pulumi.Config()
emea = pulumi.ProviderResource("thrive", "emea", {
    "tenantId": config.require("emeaTenant"),
    "apiSecret": config.require_secret("emeaSecret"),
    "baseUrl": config.require("emeaBaseUrl"),
})

home = pulumi.CustomResource("thrive:index:Structure", "home", {
    "name": config.get("homeName") or "Home structure", "reference": "nat-home"})
eng = pulumi.CustomResource("thrive:index:Structure", "eng", {
    "name": "EMEA engineering", "reference": "nat-eng"}, opts=pulumi.ResourceOptions(provider=emea))
team = pulumi.CustomResource("thrive:index:Audience", "team", {
    "name": "EMEA platform", "reference": "nat-team", "parent": eng.id},
    opts=pulumi.ResourceOptions(provider=emea))

imported = config.get("importedId")
if imported:
    pulumi.CustomResource("thrive:index:Structure", "imported", {
        "name": "Made outside", "reference": "nat-outside"})

pulumi.export("home_id", home.id)
pulumi.export("eng_id", eng.id)
pulumi.export("team_id", team.id)
