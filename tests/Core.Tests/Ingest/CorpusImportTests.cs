using System.Text;
using System.Text.Json.Nodes;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Ingest.Corpora;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parquet.Serialization;

namespace DeepFinance.Core.Tests.Ingest;

/// <summary>
/// Each shape public corpora ship in, written as a small file here, previewed (the suggested mapping, the first rows
/// mapped, no problems, nothing written) and then imported with that mapping into seed items whose options and
/// reference answers are intact.
/// </summary>
public sealed class CorpusImportTests : IAsyncLifetime
{
    private PipelineHarness _h = null!;

    public async Task InitializeAsync() => _h = await PipelineHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private CorpusPreview Preview => _h.Services.GetRequiredService<CorpusPreview>();
    private SeedImporter Importer => _h.Services.GetRequiredService<SeedImporter>();

    /// <summary>Preview (which must write nothing and find no problem), then import with the mapping the preview used.</summary>
    private async Task<(CorpusPreviewResult Preview, List<SeedItem> Items)> PreviewAndImportAsync(string fileName, byte[] content, SeedMapping? mapping = null)
    {
        var before = await CountsAsync();
        var preview = await Preview.PreviewAsync(new MemoryStream(content), fileName, mapping);
        Assert.True(preview.Problems.Count == 0, string.Join("; ", preview.Problems));
        Assert.Equal(before, await CountsAsync());

        var result = await Importer.ImportMappedAsync(new MemoryStream(content), fileName, fileName, "tester", preview.Mapping);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        await using var db = await _h.Db.CreateDbContextAsync();
        var items = await db.SeedItems.Where(i => i.SeedSourceId == result.SourceId).OrderBy(i => i.LineNumber).ThenBy(i => i.ItemIndex).ToListAsync();
        Assert.Equal(items.Count, result.ItemCount);
        Assert.Equal(items.Select(i => (i.Question, i.Answer)), preview.Rows.Select(r => (r.Question, r.Answer)));
        return (preview, items);
    }

    private async Task<(int Sources, int Items)> CountsAsync()
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        return (await db.SeedSources.CountAsync(), await db.SeedItems.CountAsync());
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task A_csv_with_one_column_per_option_maps_the_letter_columns()
    {
        var (preview, items) = await PreviewAndImportAsync("exam.csv", Utf8(
            "Question,A,B,C,D,Answer\n以下哪项属于商业银行的负债业务？,发放贷款,吸收存款,购买国债,票据贴现,B\nWhich is liquid?,Cash,Land,Plant,,A\n"));

        Assert.Equal(["Question", "A", "B", "C", "D", "Answer"], preview.Columns);
        Assert.Equal(["A", "B", "C", "D"], preview.SuggestedMapping.OptionColumns!);
        Assert.Equal(["发放贷款", "吸收存款", "购买国债", "票据贴现"], items[0].Options);
        Assert.Equal("B", items[0].Answer);
        Assert.Equal(["Cash", "Land", "Plant"], items[1].Options);
        Assert.Equal(3, items[1].LineNumber);
    }

    [Fact]
    public async Task A_json_array_with_options_as_an_object_keeps_letter_order()
    {
        var (preview, items) = await PreviewAndImportAsync("exam.json", Utf8("""
            [
              {"id": "q1", "question": "Which ratio measures liquidity?", "options": {"B": "Current ratio", "A": "ROE", "C": "P/E"}, "answer": "B"},
              {"id": "q2", "question": "Which is a liability?", "options": {"A": "Deposits", "B": "Loans"}, "answer": "A"}
            ]
            """));

        Assert.Equal("json", preview.Format);
        Assert.Equal("options", preview.SuggestedMapping.Options);
        Assert.Equal(["ROE", "Current ratio", "P/E"], items[0].Options);
        Assert.Equal(("q1", "B"), (items[0].ExternalId, items[0].Answer));
        Assert.Equal(2, items[1].LineNumber); // the second element
    }

    [Fact]
    public async Task A_json_array_with_options_as_an_array_imports()
    {
        var (_, items) = await PreviewAndImportAsync("arr.json", Utf8("""
            [{"question": "Pick the bond.", "choices": ["Stock", "Treasury note", "Option"], "answer": "B", "difficulty": "easy"}]
            """));

        Assert.Equal(["Stock", "Treasury note", "Option"], items[0].Options);
        Assert.Equal(Difficulty.Simple, items[0].Difficulty);
    }

    [Fact]
    public async Task Options_in_a_string_holding_a_json_dictionary_are_read()
    {
        var (_, items) = await PreviewAndImportAsync("s.jsonl", Utf8(
            """{"question":"Which is a derivative?","options":"{\"A\": \"Futures\", \"B\": \"Bonds\"}","answer":"A"}""" + "\n"));

        Assert.Equal(["Futures", "Bonds"], items[0].Options);
    }

    [Fact]
    public async Task Options_in_a_string_holding_a_python_dictionary_are_read_with_both_quotes_and_escapes()
    {
        // As pandas writes a dict column to CSV: Python's repr, single quotes unless the text holds one.
        var csv = "question,options,answer\n"
            + "\"Which one is a bank's liability?\",\"{'A': 'Loans', 'B': \"\"Customers' deposits\"\", 'C': 'It\\'s cash'}\",B\n";
        var (_, items) = await PreviewAndImportAsync("py.csv", Utf8(csv));

        Assert.Equal(["Loans", "Customers' deposits", "It's cash"], items[0].Options);
        Assert.Equal("Which one is a bank's liability?", items[0].Question);
    }

    [Fact]
    public async Task A_multi_choice_answer_keeps_every_letter_and_a_letter_beyond_the_options_is_named()
    {
        var (_, items) = await PreviewAndImportAsync("multi.jsonl", Utf8(
            """{"question":"Which are money-market instruments?","options":["T-bills","Equities","CDs","Commercial paper"],"answer":"ACD"}""" + "\n"));
        Assert.Equal("ACD", items[0].Answer);
        Assert.Equal(4, items[0].Options!.Count);

        var before = await CountsAsync();
        var bad = Utf8("""{"question":"q1","options":["a","b","c","d"],"answer":"ABD"}""" + "\n"
            + """{"question":"q2","options":["a","b","c","d"],"answer":"ABE"}""" + "\n");
        var preview = await Preview.PreviewAsync(new MemoryStream(bad), "bad.jsonl", null);
        var problem = Assert.Single(preview.Problems);
        Assert.Equal((2, "answer"), (problem.Line, problem.Field));
        Assert.Contains("names option E", problem.Message, StringComparison.Ordinal);
        var result = await Importer.ImportMappedAsync(new MemoryStream(bad), "bad.jsonl", "bad", "tester", preview.Mapping);
        Assert.False(result.Succeeded);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task True_false_items_get_options_in_their_language_and_one_answer_form()
    {
        var (preview, items) = await PreviewAndImportAsync("tf.jsonl", Utf8(
            """{"question":"商业银行的存款属于负债。","answer":"对"}""" + "\n"
            + """{"question":"A call option obliges the holder to buy.","answer":"F"}""" + "\n"
            + """{"question":"Bonds pay coupons.","answer":"yes"}""" + "\n"));

        Assert.True(preview.SuggestedMapping.TrueFalse);
        Assert.Equal(["正确", "错误"], items[0].Options);
        Assert.Equal("正确", items[0].Answer);
        Assert.Equal(["True", "False"], items[1].Options);
        Assert.Equal("False", items[1].Answer);
        Assert.Equal("True", items[2].Answer);
    }

    [Fact]
    public async Task Alpaca_instruction_and_input_make_the_question_and_output_the_answer()
    {
        var (preview, items) = await PreviewAndImportAsync("alpaca.json", Utf8("""
            [{"instruction": "Compute the current ratio.", "input": "Current assets 200, current liabilities 100.", "output": "2.0"},
             {"instruction": "Define EBITDA.", "input": "", "output": "Earnings before interest, taxes, depreciation and amortisation."}]
            """));

        Assert.Equal(SeedShape.Alpaca, preview.SuggestedMapping.Shape);
        Assert.Equal("Compute the current ratio.\n\nCurrent assets 200, current liabilities 100.", items[0].Question);
        Assert.Equal("2.0", items[0].Answer);
        Assert.Equal("Define EBITDA.", items[1].Question);
    }

    [Fact]
    public async Task ShareGPT_conversations_give_the_first_human_gpt_pair_with_the_system_turn_kept()
    {
        var (preview, items) = await PreviewAndImportAsync("sharegpt.jsonl", Utf8("""
            {"id":"c1","conversations":[{"from":"system","value":"You are a CFA tutor."},{"from":"human","value":"What is duration?"},{"from":"gpt","value":"The weighted average time to cash flows."},{"from":"human","value":"And convexity?"},{"from":"gpt","value":"Curvature."}]}
            """ + "\n"));

        Assert.Equal(SeedShape.Chat, preview.SuggestedMapping.Shape);
        Assert.Equal("You are a CFA tutor.\n\nWhat is duration?", items.Single().Question);
        Assert.Equal("The weighted average time to cash flows.", items[0].Answer);
        Assert.Equal("c1", items[0].ExternalId);
    }

    [Fact]
    public async Task Chat_messages_give_the_first_user_assistant_pair()
    {
        var (_, items) = await PreviewAndImportAsync("chat.jsonl", Utf8("""
            {"messages":[{"role":"user","content":"什么是市盈率？"},{"role":"assistant","content":"股价除以每股收益。"}]}
            """ + "\n"));

        Assert.Equal(("什么是市盈率？", "股价除以每股收益。"), (items[0].Question, items[0].Answer));
    }

    [Fact]
    public async Task A_finqa_row_renders_its_table_and_passages_into_the_question()
    {
        var (preview, items) = await PreviewAndImportAsync("finqa.json", Utf8("""
            [{"id": "ETR/2016/page_23.pdf-2",
              "pre_text": ["the company 's revenue grew .", "all amounts in millions ."],
              "post_text": ["see note 4 ."],
              "table": [["", "2016", "2015"], ["revenue", "1,200", "1,000"], ["net | income", "120", "100"]],
              "qa": {"question": "what was the growth rate of revenue?", "answer": "20%", "exe_ans": 0.2}}]
            """));

        Assert.Equal(SeedShape.Table, preview.SuggestedMapping.Shape);
        var q = items.Single().Question;
        Assert.StartsWith("the company 's revenue grew .\nall amounts in millions .", q, StringComparison.Ordinal);
        Assert.Contains("|  | 2016 | 2015 |\n| --- | --- | --- |\n| revenue | 1,200 | 1,000 |\n| net \\| income | 120 | 100 |", q, StringComparison.Ordinal);
        Assert.Contains("see note 4 .", q, StringComparison.Ordinal);
        Assert.EndsWith("Question: what was the growth rate of revenue?", q, StringComparison.Ordinal);
        Assert.Equal(("20%", "ETR/2016/page_23.pdf-2"), (items[0].Answer, items[0].ExternalId));
    }

    [Fact]
    public async Task A_tatqa_row_gives_one_item_per_question_with_the_scale_kept_in_the_reference()
    {
        var (preview, items) = await PreviewAndImportAsync("tatqa.json", Utf8("""
            [{"table": {"uid": "t1", "table": [["", "2019", "2018"], ["Revenue", "12.5", "10.0"], ["Margin", "3.2", "2.9"]]},
              "paragraphs": [{"uid": "p2", "order": 2, "text": "Margins widened."}, {"uid": "p1", "order": 1, "text": "Revenue is in millions."}],
              "questions": [
                {"uid": "a1", "question": "What was revenue in 2019?", "answer": 12.5, "scale": "million"},
                {"uid": "a2", "question": "What was the margin in 2019?", "answer": "3.2", "scale": "percent"},
                {"uid": "a3", "question": "Which years are shown?", "answer": ["2019", "2018"], "scale": ""}]}]
            """));

        Assert.Equal(3, items.Count);
        Assert.All(items, i => Assert.Equal(1, i.LineNumber));
        Assert.Equal([0, 1, 2], items.Select(i => i.ItemIndex));
        Assert.Equal(("12.5 million", "million", "a1"), (items[0].Answer, items[0].AnswerScale, items[0].ExternalId));
        Assert.Equal(("3.2%", "percent"), (items[1].Answer, items[1].AnswerScale));
        Assert.Equal(("2019, 2018", null), (items[2].Answer, items[2].AnswerScale));
        Assert.StartsWith("Revenue is in millions.\nMargins widened.\n\n|  | 2019 | 2018 |", items[0].Question, StringComparison.Ordinal);
        Assert.Equal("12.5 million", preview.Rows[0].Answer);
        Assert.Equal("million", preview.Rows[0].Scale);
    }

    public sealed class ParquetExam
    {
        public string Question { get; set; } = "";
        public List<string> Choices { get; set; } = [];
        public int Answer { get; set; }
        public string Subject { get; set; } = "";
    }

    public sealed class ParquetLetters
    {
        public string? Question { get; set; }
        public string? A { get; set; }
        public string? B { get; set; }
        public string? Answer { get; set; }
    }

    [Fact]
    public async Task Parquet_with_a_list_column_and_an_index_answer_imports_as_letters()
    {
        using var file = new MemoryStream();
        await ParquetSerializer.SerializeAsync(new[]
        {
            new ParquetExam { Question = "Which is a fixed-income security?", Choices = ["Stock", "Bond", "Warrant", "Future"], Answer = 1, Subject = "finance" },
            new ParquetExam { Question = "Which is equity?", Choices = ["Common stock", "Loan"], Answer = 0, Subject = "finance" },
        }, file);

        var (preview, items) = await PreviewAndImportAsync("mmlu.parquet", file.ToArray());

        Assert.Equal("parquet", preview.Format);
        Assert.Equal(["Stock", "Bond", "Warrant", "Future"], items[0].Options);
        Assert.Equal(("B", "finance"), (items[0].Answer, items[0].Source));
        Assert.Equal(("A", 2), (items[1].Answer, items[1].LineNumber));
    }

    [Fact]
    public async Task Parquet_with_letter_columns_imports_and_a_bad_row_is_named_by_row_number()
    {
        using var file = new MemoryStream();
        await ParquetSerializer.SerializeAsync(new[]
        {
            new ParquetLetters { Question = "q1", A = "x", B = "y", Answer = "B" },
            new ParquetLetters { Question = "q2", A = "x", B = "y", Answer = "C" },
        }, file);
        var before = await CountsAsync();

        var preview = await Preview.PreviewAsync(new MemoryStream(file.ToArray()), "letters.parquet", null);
        var result = await Importer.ImportMappedAsync(new MemoryStream(file.ToArray()), "letters.parquet", "letters", "tester", preview.Mapping);

        Assert.Equal(["A", "B"], preview.Mapping.OptionColumns!);
        Assert.Equal(["x", "y"], preview.Rows[0].Options);
        var error = Assert.Single(result.Errors);
        Assert.Equal("row 2, Answer: \"C\" names option C, but the item has 2 option(s) (A–B)", error.ToString());
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_bad_element_of_a_json_array_is_named_by_element_and_field_and_nothing_is_written()
    {
        var before = await CountsAsync();
        var content = Utf8("""
            [{"question": "q1", "options": "{'A': 'x', 'B': 'y'}", "answer": "A"},
             {"question": "q2", "options": "{'A': 'x', 'B': 'y'}", "answer": "B"},
             {"question": "q3", "options": "{'A': 'x', 'B': os.system('rm')}", "answer": "A"},
             {"question": "", "options": "{'A': 'x'}", "answer": "A"}]
            """);

        var result = await Importer.ImportMappedAsync(new MemoryStream(content), "bad.json", "bad", "tester", null);

        Assert.False(result.Succeeded);
        Assert.Equal(2, result.Errors.Count);
        Assert.Equal(("element", 3, "options"), (result.Errors[0].Unit, result.Errors[0].Line, result.Errors[0].Field));
        Assert.Contains("not a literal", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("element 4, question: empty", result.Errors[1].ToString());
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task Broken_json_in_an_array_names_the_file_line_where_it_broke()
    {
        var result = await Importer.ImportMappedAsync(new MemoryStream(Utf8("[{\"question\":\"q\",\"answer\":\"a\"},\n{\"question\": oops}]")),
            "broken.json", "broken", "tester", null);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("line", 2), (error.Unit, error.Line));
        Assert.Contains("invalid JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0), await CountsAsync());
    }

    [Fact]
    public async Task A_mapping_is_saved_by_name_reused_and_a_second_one_with_that_name_is_refused()
    {
        var mapping = SeedMapping.Parse("""{"shape":"flat","question":"stem","answer":"key","optionColumns":["o1","o2"]}""", out var parseError)!;
        Assert.Null(parseError);
        var (saved, error) = await Preview.SaveMappingAsync("my exam", mapping, "tester");
        Assert.Null(error);
        Assert.Equal("tester", saved!.CreatedBy);
        var (_, twice) = await Preview.SaveMappingAsync("my exam", mapping, "tester");
        Assert.Contains("already exists", twice!.Message, StringComparison.Ordinal);

        var reused = await Preview.FindMappingAsync("my exam");
        var (_, items) = await PreviewAndImportAsync("custom.csv", Utf8("stem,o1,o2,key\nWhich is cash?,Cash,Land,A\n"), reused);
        Assert.Equal(["Cash", "Land"], items[0].Options);
        Assert.Equal("A", items[0].Answer);
    }

    [Theory]
    [InlineData("""{"shape":"flat","question":"q"}""", "needs \"answer\"")]
    [InlineData("""{"shape":"flat","question":"q","answer":"a","colour":"red"}""", "colour")]
    [InlineData("""{"shape":"round","question":"q","answer":"a"}""", "not a valid mapping")]
    public void A_bad_mapping_is_refused_saying_what_is_wrong(string json, string expected)
    {
        Assert.Null(SeedMapping.Parse(json, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_jsonl_import_without_a_mapping_still_refuses_unread_fields()
    {
        var result = await Importer.ImportAsync(new MemoryStream(Utf8("{\"question\":\"q\",\"answer\":\"a\",\"extra\":1}\n")), "a.jsonl", "a", "tester");
        Assert.Equal("extra", Assert.Single(result.Errors).Field);

        var mapped = await Importer.ImportMappedAsync(new MemoryStream(Utf8("{\"question\":\"q\",\"answer\":\"a\",\"extra\":1}\n")), "a.jsonl", "a", "tester", null);
        Assert.True(mapped.Succeeded);
        Assert.Equal("extra", Assert.Single(mapped.UnknownColumns).Name);
    }

    [Theory]
    [InlineData("{'A': 'x', \"B\": \"y's\"}", """{"A":"x","B":"y's"}""")]
    [InlineData("['a\\nb', 'tab\\there', \"q\\\"uote\", '\\u00e9']", """["a\nb","tab\there","q\"uote","é"]""")]
    [InlineData("{'n': 1, 'f': -2.5, 't': True, 'none': None, 'tuple': (1, 2,)}", """{"n":1,"f":-2.5,"t":true,"none":null,"tuple":[1,2]}""")]
    public void The_python_literal_reader_reads_strings_numbers_and_containers(string text, string json)
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), PyLiteral.Parse(text)), PyLiteral.Parse(text)?.ToJsonString());
    }

    [Theory]
    [InlineData("{'A': __import__('os')}", "not a literal")]
    [InlineData("{'A': 'x'", "ends where '}'")]
    [InlineData("{'A': 'x}", "never closed")]
    public void The_python_literal_reader_refuses_anything_but_literals(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => PyLiteral.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
