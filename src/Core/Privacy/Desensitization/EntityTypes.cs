namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>
/// Financial-data grading as used at Chinese banks: C3 credentials and biometrics, C2 identity, contact,
/// account and balance, C1 the rest. A query in which a C3 item survives cannot be approved.
/// </summary>
public enum SensitivityLevel
{
    C1 = 1,
    C2 = 2,
    C3 = 3,
}

/// <summary>The entity types, their grading and their placeholder labels. The one place these live.</summary>
public static class EntityTypes
{
    public const string PersonName = "person_name";
    public const string ResidentId = "cn_id";
    public const string Phone = "phone";
    public const string Landline = "landline";
    public const string BankCard = "bank_card";
    public const string Email = "email";
    public const string Address = "address";
    public const string Passport = "passport";
    public const string Uscc = "uscc";
    public const string LicensePlate = "license_plate";
    public const string Ip = "ip";
    public const string AccountNumber = "account_no";
    public const string Credential = "credential";
    public const string BirthDate = "birth_date";

    private static readonly Dictionary<string, (SensitivityLevel Level, string Zh, string En)> Table = new(StringComparer.Ordinal)
    {
        [PersonName] = (SensitivityLevel.C2, "姓名", "NAME"),
        [ResidentId] = (SensitivityLevel.C2, "身份证号", "ID_NUMBER"),
        [Phone] = (SensitivityLevel.C2, "手机号", "PHONE"),
        [Landline] = (SensitivityLevel.C2, "电话", "LANDLINE"),
        [BankCard] = (SensitivityLevel.C2, "银行卡号", "CARD_NUMBER"),
        [Email] = (SensitivityLevel.C2, "邮箱", "EMAIL"),
        [Address] = (SensitivityLevel.C2, "地址", "ADDRESS"),
        [Passport] = (SensitivityLevel.C2, "护照号", "PASSPORT"),
        [AccountNumber] = (SensitivityLevel.C2, "账号", "ACCOUNT"),
        [BirthDate] = (SensitivityLevel.C2, "出生日期", "BIRTH_DATE"),
        // A company's registration code and a plate or IP identify a person only indirectly.
        [Uscc] = (SensitivityLevel.C1, "信用代码", "USCC"),
        [LicensePlate] = (SensitivityLevel.C1, "车牌号", "PLATE"),
        [Ip] = (SensitivityLevel.C1, "IP地址", "IP"),
        [Credential] = (SensitivityLevel.C3, "凭证", "CREDENTIAL"),
    };

    /// <summary>Every known type name.</summary>
    public static IReadOnlyCollection<string> All => Table.Keys;

    public static bool IsKnown(string type) => Table.ContainsKey(type);

    public static SensitivityLevel LevelOf(string type) => Table.TryGetValue(type, out var row) ? row.Level : SensitivityLevel.C2;

    /// <summary>The label inside a placeholder such as <c>[姓名1]</c> or <c>[NAME1]</c>.</summary>
    public static string LabelOf(string type, bool chinese) =>
        Table.TryGetValue(type, out var row) ? (chinese ? row.Zh : row.En) : type.ToUpperInvariant();
}
