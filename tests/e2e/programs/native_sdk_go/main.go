// One resource of each vendor through the generated Go SDKs (tools/gen-sdks.sh), each with an explicit provider
// from stack config. The test builds and vets it: the generated packages and their argument types must line up.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"example.invalid/audience-providers/sdk/go/batch"
	"example.invalid/audience-providers/sdk/go/sonarly"
	"example.invalid/audience-providers/sdk/go/thrive"
	"example.invalid/audience-providers/sdk/go/unleashx"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")

		tenant, err := thrive.NewProvider(ctx, "tenant", &thrive.ProviderArgs{
			BaseUrl: pulumi.String(cfg.Require("thriveBaseUrl")), TenantId: pulumi.String(cfg.Require("thriveTenantId")),
			ApiSecret: cfg.RequireSecret("thriveApiSecret"),
		})
		if err != nil {
			return err
		}
		eng, err := thrive.NewStructure(ctx, "eng", &thrive.StructureArgs{
			Name: pulumi.String("Engineering"), Reference: pulumi.String("go-eng"),
		}, pulumi.Provider(tenant))
		if err != nil {
			return err
		}
		if _, err = thrive.NewAudience(ctx, "team", &thrive.AudienceArgs{
			Name: pulumi.String("Platform"), Reference: pulumi.String("go-team"), Parent: eng.ID().ToStringOutput(),
		}, pulumi.Provider(tenant)); err != nil {
			return err
		}

		group, err := sonarly.NewProvider(ctx, "group", &sonarly.ProviderArgs{ApiKey: cfg.RequireSecret("sonarlyApiKey")})
		if err != nil {
			return err
		}
		if _, err = sonarly.NewAudience(ctx, "leads", &sonarly.AudienceArgs{
			Name: pulumi.String("go-leads"), Type: pulumi.String("on_demand"),
		}, pulumi.Provider(group)); err != nil {
			return err
		}

		workspace, err := unleashx.NewProvider(ctx, "workspace", &unleashx.ProviderArgs{Token: cfg.RequireSecret("unleashxToken")})
		if err != nil {
			return err
		}
		if _, err = unleashx.NewCampaign(ctx, "calls", &unleashx.CampaignArgs{
			AgentId: pulumi.Int(1), CampaignName: pulumi.String("go-calls"), Description: pulumi.String("from Go"),
			StartDate: pulumi.String("2027-01-01"), EndDate: pulumi.String("2027-02-01"), MaxRetry: pulumi.Int(1),
		}, pulumi.Provider(workspace)); err != nil {
			return err
		}

		project, err := batch.NewProvider(ctx, "project", &batch.ProviderArgs{
			ProjectKey: pulumi.String(cfg.Require("batchProjectKey")), ApiKey: cfg.RequireSecret("batchApiKey"),
		})
		if err != nil {
			return err
		}
		vips, err := batch.NewAudience(ctx, "vips", &batch.AudienceArgs{
			Name: pulumi.String("go_vips"), Members: pulumi.Array{pulumi.String("u1"), pulumi.String("u2")},
		}, pulumi.Provider(project))
		if err != nil {
			return err
		}
		ctx.Export("engId", eng.ID())
		ctx.Export("vipsName", vips.Name)
		return nil
	})
}
