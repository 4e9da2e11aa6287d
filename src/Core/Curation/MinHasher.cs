namespace DeepFinance.Core.Curation;

/// <summary>
/// MinHash over the character n-grams of a normalised question, cut into LSH bands. Each of the Bands × Rows hash
/// functions is a seeded 64-bit mix of the shingle's hash; a band's key is the hash of its rows plus a block key
/// (what duplicates must share exactly), so only questions that agree on a whole band and on the block meet.
/// </summary>
internal sealed class MinHasher
{
    private readonly int _n;
    private readonly int _bands;
    private readonly int _rows;
    private readonly ulong[] _seeds;

    public MinHasher(DedupOptions options)
    {
        _n = options.NgramSize;
        _bands = options.Bands;
        _rows = options.Rows;
        _seeds = new ulong[_bands * _rows];
        var seed = 0x9E3779B97F4A7C15UL;
        for (var i = 0; i < _seeds.Length; i++)
        {
            seed += 0x9E3779B97F4A7C15UL;
            _seeds[i] = StableHash.Mix(seed);
        }
    }

    public int Bands => _bands;

    /// <summary>The distinct n-gram hashes of a key (the whole key when shorter than n).</summary>
    public HashSet<ulong> Shingles(string key)
    {
        var set = new HashSet<ulong>();
        if (key.Length <= _n)
        {
            set.Add(StableHash.Of(key));
            return set;
        }

        for (var i = 0; i + _n <= key.Length; i++)
        {
            set.Add(StableHash.Of(key.AsSpan(i, _n)));
        }

        return set;
    }

    /// <summary>One key per band.</summary>
    public ulong[] BandKeys(HashSet<ulong> shingles, ulong block)
    {
        var mins = new ulong[_seeds.Length];
        Array.Fill(mins, ulong.MaxValue);
        foreach (var shingle in shingles)
        {
            for (var i = 0; i < mins.Length; i++)
            {
                var h = StableHash.Mix(shingle ^ _seeds[i]);
                if (h < mins[i])
                {
                    mins[i] = h;
                }
            }
        }

        var keys = new ulong[_bands];
        for (var b = 0; b < _bands; b++)
        {
            var key = StableHash.Mix(block ^ (ulong)(b + 1));
            for (var r = 0; r < _rows; r++)
            {
                key = StableHash.Mix(key ^ mins[(b * _rows) + r]);
            }

            keys[b] = key;
        }

        return keys;
    }

    public static double Jaccard(HashSet<ulong> a, HashSet<ulong> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var shared = small.Count(large.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }
}
