namespace DeepFinance.Web.Security;

/// <summary>The four roles of DESIGN's access table. A user may hold several.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public const string Expert = "Expert";
    public const string Reviewer = "Reviewer";

    public static readonly string[] All = [Admin, Operator, Expert, Reviewer];

    public static string? Normalize(string role) => All.FirstOrDefault(r => r.Equals(role.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>Policies by area; Admin passes every one of them.</summary>
public static class Policies
{
    public const string Admin = "Admin";
    public const string Operate = "Operate";
    public const string Annotate = "Annotate";
    public const string Review = "Review";
    public const string Read = "Read";
    /// <summary>Real-world queries in their desensitized form (not Reviewers: DESIGN lists them for queries' text only through questions).</summary>
    public const string Queries = "Queries";

    public static readonly IReadOnlyDictionary<string, string[]> RolesOf = new Dictionary<string, string[]>
    {
        [Admin] = [Roles.Admin],
        [Operate] = [Roles.Admin, Roles.Operator],
        [Annotate] = [Roles.Admin, Roles.Expert],
        [Review] = [Roles.Admin, Roles.Reviewer],
        [Read] = [Roles.Admin, Roles.Operator, Roles.Expert, Roles.Reviewer],
        [Queries] = [Roles.Admin, Roles.Operator, Roles.Expert],
    };
}
