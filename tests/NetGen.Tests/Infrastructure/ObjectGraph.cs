using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using Xunit;

namespace NetGen.Tests.Infrastructure;

/// <summary>Walks an object graph by reflection to prove a pipeline model holds no reference-compared Roslyn objects.</summary>
public static class ObjectGraph
{
    public static void AssertHoldsNo<T>(object? root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Visit(root, "model");

        void Visit(object? value, string path)
        {
            if (value is null || value is string || value.GetType().IsPrimitive || value is Enum || !seen.Add(value))
            {
                return;
            }

            Assert.False(value is T, $"{path} is a {typeof(T).Name} ({value.GetType().Name}); pipeline models must compare by value.");
            if (value is IEnumerable items)
            {
                var i = 0;
                foreach (var item in items)
                {
                    Visit(item, $"{path}[{i++}]");
                }
            }

            foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Visit(field.GetValue(value), path + "." + field.Name);
            }
        }
    }
}
