namespace AlexNet.Data;

/// <summary>How a prepared image is stored in a shard.</summary>
public enum RecordFormat
{
    /// <summary>Side×side×3 bytes of interleaved RGB: no decoding when read.</summary>
    Raw = 0,
    /// <summary>A JPEG of the side×side image: about a tenth of the space, a decode per read.</summary>
    Jpeg = 1,
}
