namespace DeepFinance.E2E.Tests.Support;

/// <summary>The seed file the operator imports; the simulator's oracle knows these questions, so verdicts vary.</summary>
public static class SeedData
{
    public const string FileName = "e2e-seeds.jsonl";

    public const int Questions = 4;

    public static readonly string Jsonl = string.Join('\n',
        """{"id": "e2e-1", "question": "A deposit of 1000 USD earns 5% simple interest per year. What is the interest after 2 years, in USD?", "answer": "100", "task_type": "Math"}""",
        """{"id": "e2e-2", "question": "Revenue is 200 and costs are 150. What is the profit?", "answer": "50", "task_type": "Math"}""",
        """{"id": "e2e-3", "question": "A bond's price rises when market interest rates rise. True or false?", "answer": "false", "task_type": "Math"}""",
        """{"id": "e2e-4", "question": "A loan of 5000 USD is repaid in 10 equal principal instalments. How much principal is repaid in each, in USD?", "answer": "500", "task_type": "Math"}""") + "\n";
}
