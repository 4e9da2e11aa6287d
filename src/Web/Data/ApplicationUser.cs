using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;

namespace DeepFinance.Web.Data;

public class ApplicationUser : IdentityUser
{
    /// <summary>The UI language the person last chose (en, zh-CN); applied as the culture cookie when they sign in.</summary>
    [MaxLength(16)]
    public string? PreferredCulture { get; set; }
}
