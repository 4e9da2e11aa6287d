using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Web.Data;

/// <summary>
/// One refresh token handed out to a script. A token may be exchanged once; the exchange issues the next token of
/// the same family. Presenting a used token again means it was copied, so the whole family is revoked.
/// </summary>
public class RefreshToken
{
    [MaxLength(32)]
    public string Id { get; set; } = "";

    /// <summary>All tokens descending from one password sign-in; access tokens carry it too.</summary>
    [MaxLength(32)]
    public string FamilyId { get; set; } = "";

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public DateTime IssuedUtc { get; set; }

    public DateTime ExpiresUtc { get; set; }

    public DateTime? UsedUtc { get; set; }

    public DateTime? RevokedUtc { get; set; }
}
